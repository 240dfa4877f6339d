"""Conversations in progress across a knowledge reload.

`handle` is pure and gets whatever knowledge is current on each turn, so a reload is simply the
next turn seeing another `Knowledge`. Each variant here is the bundled knowledge with one edit an
admin might make; the user may still have the old question and its buttons on screen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.engine.replies import (
    AcknowledgementReply,
    ClarificationReply,
    ExplanationReply,
    NoticeLevel,
    NoticeReply,
    QuestionReply,
    SummaryReply,
)
from bot.engine.state import ConversationState, Phase
from bot.engine.turn import Choice, Command
from bot.knowledge import Knowledge
from bot.knowledge.model import Option, Question
from tests.engine.conftest import Conversation

# --- knowledge variants -----------------------------------------------------------------------


def _variant(knowledge: Knowledge, questions: tuple[Question, ...], tag: str) -> Knowledge:
    return dataclasses.replace(knowledge, questions=questions, version=f"{knowledge.version}+{tag}")


def without_question(knowledge: Knowledge, question_id: str) -> Knowledge:
    kept = tuple(q for q in knowledge.questions if q.id != question_id)
    return _variant(knowledge, kept, f"-{question_id}")


def edit_question(
    knowledge: Knowledge, question_id: str, edit: Callable[[Question], Question], tag: str
) -> Knowledge:
    edited = tuple(edit(q) if q.id == question_id else q for q in knowledge.questions)
    return _variant(knowledge, edited, tag)


def without_option(knowledge: Knowledge, question_id: str, option_id: str) -> Knowledge:
    def drop(question: Question) -> Question:
        options = tuple(o for o in question.options if o.id != option_id)
        return question.model_copy(update={"options": options})

    return edit_question(knowledge, question_id, drop, f"-{question_id}.{option_id}")


def reversed_options(knowledge: Knowledge, question_id: str) -> Knowledge:
    def reverse(question: Question) -> Question:
        return question.model_copy(update={"options": question.options[::-1]})

    return edit_question(knowledge, question_id, reverse, f"~{question_id}")


def relabelled(knowledge: Knowledge, question_id: str, index: int, label: str) -> Knowledge:
    def relabel(question: Question) -> Question:
        options = list(question.options)
        options[index] = options[index].model_copy(update={"label": label})
        return question.model_copy(update={"options": tuple(options)})

    return edit_question(knowledge, question_id, relabel, f"~{question_id}.{index}")


def reworded(knowledge: Knowledge, question_id: str, prompt: str) -> Knowledge:
    def reword(question: Question) -> Question:
        return question.model_copy(update={"prompt": prompt})

    return edit_question(knowledge, question_id, reword, f"?{question_id}")


def more_synonyms(knowledge: Knowledge, question_id: str) -> Knowledge:
    def extend(question: Question) -> Question:
        first = question.options[0]
        option = first.model_copy(update={"synonyms": (*first.synonyms, "brand new synonym")})
        return question.model_copy(update={"options": (option, *question.options[1:])})

    return edit_question(knowledge, question_id, extend, f"+syn.{question_id}")


NEW_ID = "budget"


def with_new_question(knowledge: Knowledge, at: int) -> Knowledge:
    template = knowledge.questions[0]
    options = (
        Option(id="it_budget", label="IT's budget", synonyms=("IT pays",), weights={"it_led": 3}),
        Option(
            id="unit_budget",
            label="Each business unit's own budget",
            synonyms=("the business pays",),
            weights={"business_led": 3},
        ),
        Option(
            id="central_ai_budget",
            label="A central AI budget of its own",
            synonyms=("innovation fund",),
            weights={"dedicated": 3},
        ),
    )
    question = template.model_copy(
        update={"id": NEW_ID, "prompt": "Whose budget pays for AI work today?", "options": options}
    )
    questions = list(knowledge.questions)
    questions.insert(at, question)
    return _variant(knowledge, tuple(questions), f"+{NEW_ID}@{at}")


# --- helpers ----------------------------------------------------------------------------------


def shown(chat: Conversation) -> QuestionReply:
    questions = chat.of(QuestionReply)
    assert questions, chat.replies
    return questions[-1]


def notices(chat: Conversation) -> list[NoticeReply]:
    return chat.of(NoticeReply)


def started(knowledge: Knowledge, answers: int = 0) -> Conversation:
    """A conversation with the first `answers` questions answered by their first option."""
    chat = Conversation(knowledge)
    chat.send("start")
    for _ in range(answers):
        question = shown(chat)
        chat.send(choice=Choice(question.question_id, question.options[0].id))
    return chat


def finish_with_first_options(chat: Conversation) -> SummaryReply:
    for _ in range(2 * len(chat.knowledge.questions) + 2):
        if chat.state.phase is Phase.DONE:
            break
        chat.send("1")
    (summary,) = chat.of(SummaryReply)
    return summary


# --- a removed question -----------------------------------------------------------------------


def test_removed_current_question_old_button(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    first, second = knowledge.questions[0], knowledge.questions[1]
    chat.knowledge = without_question(knowledge, first.id)
    chat.send(choice=Choice(first.id, first.options[0].id))
    assert not chat.of(AcknowledgementReply)
    assert "removed from the diagnostic" in notices(chat)[0].text
    assert shown(chat).question_id == second.id
    assert chat.state.answers == {}
    chat.send(choice=Choice(second.id, second.options[1].id))
    assert chat.state.answers == {second.id: second.options[1].id}


def test_removed_current_question_typed_answer_is_not_given_to_the_next(
    knowledge: Knowledge,
) -> None:
    chat = started(knowledge)
    first, second = knowledge.questions[0], knowledge.questions[1]
    chat.knowledge = without_question(knowledge, first.id)
    chat.send("2")  # meant for the first question, whose buttons are on screen
    assert second.id not in chat.state.answers
    assert "removed from the diagnostic" in notices(chat)[0].text
    assert shown(chat).question_id == second.id
    chat.send("2")
    assert chat.state.answers == {second.id: second.options[1].id}


def test_skip_and_why_of_a_removed_question_do_not_act_on_the_next(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    first, second = knowledge.questions[0], knowledge.questions[1]
    chat.knowledge = without_question(knowledge, first.id)
    chat.send("skip")
    assert chat.state.answers == {}
    assert shown(chat).question_id == second.id
    chat.knowledge = without_question(chat.knowledge, second.id)
    chat.send("why")
    assert not chat.of(ExplanationReply)
    assert "removed" in notices(chat)[0].text


def test_removing_every_open_question_finishes(knowledge: Knowledge) -> None:
    chat = started(knowledge, answers=len(knowledge.questions) - 1)
    last = knowledge.questions[-1]
    assert shown(chat).question_id == last.id
    chat.knowledge = without_question(knowledge, last.id)
    chat.send("1")
    assert "removed" in notices(chat)[0].text
    (summary,) = chat.of(SummaryReply)
    assert summary.summary.answered == len(knowledge.questions) - 1
    assert chat.state.phase is Phase.DONE


def test_removed_answered_question(knowledge: Knowledge) -> None:
    chat = started(knowledge, answers=2)
    first = knowledge.questions[0]
    chat.knowledge = reloaded = without_question(knowledge, first.id)
    chat.send("hello")
    assert "1 of" in notices(chat)[0].text  # only the answer that still exists counts
    chat.send("back")
    assert shown(chat).question_id == knowledge.questions[1].id
    chat.send("back")
    assert "first question" in notices(chat)[0].text
    summary = finish_with_first_options(chat).summary
    assert summary.answered == len(reloaded.questions)
    assert first.id not in {leaning.question_id for leaning in summary.leanings}


# --- changed options of the question on screen ----------------------------------------------


@pytest.mark.parametrize("pressed", [0, 1])
def test_old_button_after_the_options_changed(knowledge: Knowledge, pressed: int) -> None:
    chat = started(knowledge)
    first = knowledge.questions[0]
    old = shown(chat)
    chat.knowledge = without_option(reversed_options(knowledge, first.id), first.id, "platform")
    chat.send(choice=Choice(first.id, old.options[pressed].id))
    assert chat.state.answers == {}
    (notice,) = notices(chat)
    assert notice.level is NoticeLevel.WARNING
    assert "changed since I asked it" in notice.text
    new = shown(chat)
    assert new.question_id == first.id
    assert [o.label for o in new.options] == [
        o.label for o in first.options[::-1] if o.id != "platform"
    ]
    chat.send(choice=Choice(first.id, new.options[0].id))
    assert chat.state.answers == {first.id: new.options[0].id}


def test_relabelled_option_is_not_recorded_from_the_old_button(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    first = knowledge.questions[0]
    chat.knowledge = relabelled(knowledge, first.id, 1, "Something else entirely")
    chat.send(choice=Choice(first.id, first.options[1].id))
    assert chat.state.answers == {}
    assert shown(chat).options[1].label == "Something else entirely"


@pytest.mark.parametrize("typed", ["2", "b", "the second one", "Fix concrete pain points"])
def test_typed_answer_after_the_options_changed(knowledge: Knowledge, typed: str) -> None:
    chat = started(knowledge)
    first = knowledge.questions[0]
    chat.knowledge = reversed_options(knowledge, first.id)
    chat.send(typed)
    assert chat.state.answers == {}
    assert "changed since I asked it" in notices(chat)[0].text
    chat.send("2")  # now against the options as they are shown again
    assert chat.state.answers == {first.id: first.options[::-1][1].id}


def test_yes_to_a_clarification_after_the_options_changed(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    first = knowledge.questions[0]
    chat.send("purple elephants dancing")
    assert chat.of(ClarificationReply)
    chat.state = chat.state.model_copy(update={"pending": (first.options[0].id,)})
    chat.knowledge = reversed_options(knowledge, first.id)
    chat.send("yes")
    assert chat.state.answers == {}
    assert chat.state.pending == ()
    assert shown(chat).question_id == first.id


def test_synonym_edits_do_not_disturb_the_question_on_screen(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    first = knowledge.questions[0]
    chat.knowledge = more_synonyms(knowledge, first.id)
    chat.send("brand new synonym")
    assert chat.state.answers == {first.id: first.options[0].id}
    assert not notices(chat)


# --- a removed option that was chosen ---------------------------------------------------------


def test_answer_with_a_removed_option_is_asked_again(knowledge: Knowledge) -> None:
    chat = started(knowledge, answers=2)
    first, third = knowledge.questions[0], knowledge.questions[2]
    chosen = chat.state.answers[first.id]
    assert chosen is not None
    chat.knowledge = without_option(knowledge, first.id, chosen)
    chat.send(choice=Choice(third.id, third.options[0].id))  # the question on screen
    assert chat.of(AcknowledgementReply)[0].question_id == third.id
    (notice,) = notices(chat)
    assert "no longer exists" in notice.text
    assert shown(chat).question_id == first.id
    chat.send("help")  # re-shown without repeating the note
    assert not [n for n in notices(chat) if "no longer exists" in n.text]
    chat.send("2")
    assert chat.state.answers[first.id] == chat.knowledge.questions[0].options[1].id
    assert chat.state.order.count(first.id) == 1
    assert shown(chat).question_id == knowledge.questions[3].id
    summary = finish_with_first_options(chat).summary
    assert summary.answered == len(knowledge.questions)
    assert summary.skipped == 0


def test_summary_after_a_reload_uses_only_what_still_exists(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    summary = finish_with_first_options(chat).summary
    assert summary.answered == len(knowledge.questions)
    first = knowledge.questions[0]
    chat.knowledge = without_option(
        without_question(knowledge, knowledge.questions[1].id), first.id, first.options[0].id
    )
    chat.send("summary")
    (reply,) = chat.of(SummaryReply)
    assert chat.state.phase is Phase.DONE
    assert reply.summary.answered == len(knowledge.questions) - 2
    assert reply.summary.skipped == 1
    labels = {o.label for q in chat.knowledge.questions for o in q.options}
    assert all(leaning.answer in labels for leaning in reply.summary.leanings)
    assert first.id not in {leaning.question_id for leaning in reply.summary.leanings}


# --- an added question and a reworded prompt --------------------------------------------------


def test_added_question_is_asked_in_its_turn(knowledge: Knowledge) -> None:
    chat = started(knowledge, answers=1)
    chat.knowledge = with_new_question(knowledge, at=len(knowledge.questions))
    summary = finish_with_first_options(chat).summary
    assert NEW_ID in chat.state.answers
    assert summary.answered == len(knowledge.questions) + 1


def test_added_question_before_the_one_on_screen(knowledge: Knowledge) -> None:
    chat = started(knowledge, answers=1)
    second = knowledge.questions[1]
    assert shown(chat).question_id == second.id
    chat.knowledge = with_new_question(knowledge, at=0)
    chat.send(second.options[2].label)  # answers what the user sees, not the new question
    assert chat.state.answers[second.id] == second.options[2].id
    assert NEW_ID not in chat.state.answers
    assert shown(chat).question_id == NEW_ID  # the new question comes next
    chat.send("b")
    assert chat.state.answers[NEW_ID] == "unit_budget"
    assert shown(chat).question_id == knowledge.questions[2].id


def test_old_button_of_the_question_on_screen_after_one_was_added(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    first = knowledge.questions[0]
    chat.knowledge = with_new_question(knowledge, at=0)
    chat.send(choice=Choice(first.id, first.options[3].id))
    assert chat.state.answers == {first.id: first.options[3].id}
    assert shown(chat).question_id == NEW_ID


def test_reworded_prompt_is_asked_again(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    first = knowledge.questions[0]
    chat.knowledge = reworded(knowledge, first.id, "What should AI mainly do for you?")
    chat.send(choice=Choice(first.id, first.options[0].id))
    assert chat.state.answers == {}
    assert shown(chat).prompt == "What should AI mainly do for you?"
    chat.send(choice=Choice(first.id, first.options[0].id))
    assert chat.state.answers == {first.id: first.options[0].id}


def test_reworded_answered_question_keeps_its_answer(knowledge: Knowledge) -> None:
    chat = started(knowledge, answers=1)
    first = knowledge.questions[0]
    chat.knowledge = reworded(knowledge, first.id, "What should AI mainly do for you?")
    chat.send("1")
    assert chat.state.answers[first.id] == first.options[0].id
    assert len(chat.state.answers) == 2


# --- state ------------------------------------------------------------------------------------


def test_the_screen_is_kept_in_the_saved_state(knowledge: Knowledge) -> None:
    chat = started(knowledge)
    assert chat.state.shown == knowledge.questions[0].id
    assert chat.state.shown_form
    assert ConversationState.from_json(chat.state.to_json()) == chat.state
    chat.send("cancel")
    assert chat.state.shown is None


def test_a_state_saved_before_screens_were_kept(knowledge: Knowledge) -> None:
    """No `shown`: the current question is the one answered, as before."""
    chat = started(knowledge)
    first = knowledge.questions[0]
    data = chat.state.to_json()
    del data["shown"], data["shown_form"]
    chat.state = ConversationState.from_json(data)
    chat.send("1")
    assert chat.state.answers == {first.id: first.options[0].id}


# --- any sequence of turns and reloads --------------------------------------------------------


def _variants(base: Knowledge) -> list[Knowledge]:
    """A small pool (the index cache holds eight), with every kind of edit."""
    q = [question.id for question in base.questions]
    first_option = base.questions[0].options[0].id
    return [
        base,
        without_question(without_question(base, q[0]), q[3]),
        reversed_options(without_option(base, q[1], base.questions[1].options[0].id), q[0]),
        with_new_question(reworded(base, q[2], "Reworded?"), at=1),
        relabelled(without_option(base, q[0], first_option), q[4], 0, "Relabelled"),
        _variant(base, base.questions[::-1], "reversed"),
        with_new_question(without_question(base, q[-1]), at=len(base.questions) - 1),
    ]


@dataclasses.dataclass(frozen=True)
class _Pressed:
    question_id: str
    option_id: str
    label: str


reload = st.tuples(st.just("reload"), st.integers(0, 6))
action = st.one_of(
    reload,
    reload,  # twice as likely as any other action: reloads between answers are the point
    st.tuples(st.just("press"), st.integers(0, 4)),  # a button of the question on screen
    st.tuples(st.just("old"), st.integers(0, 50)),  # any button seen before
    st.tuples(st.just("type"), st.sampled_from(["1", "2", "c", "last", "yes", "both", "IT"])),
    st.tuples(st.just("label"), st.integers(0, 4)),  # an option's label typed out
    st.tuples(st.just("command"), st.sampled_from(["skip", "back", "why", "help", "summary"])),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(action, max_size=30))
# Always run: an answer right after each kind of reload, and a chosen option removed later.
@example(actions=[("reload", 1), ("type", "1")])
@example(actions=[("reload", 2), ("press", 1), ("type", "2")])
@example(actions=[("reload", 5), ("label", 0), ("old", 0)])
@example(actions=[("reload", 3), ("press", 0), ("command", "skip"), ("reload", 0)])
@example(actions=[("press", 0), ("press", 0), ("reload", 4), ("type", "c"), ("type", "1")])
def test_reloads_at_any_point_never_record_a_wrong_answer(
    knowledge: Knowledge, actions: list[tuple[str, object]]
) -> None:
    pool = _variants(knowledge)
    chat = started(knowledge)
    screen = shown(chat)
    seen: list[_Pressed] = [_Pressed(screen.question_id, o.id, o.label) for o in screen.options]
    for kind, value in actions:
        before = dict(chat.state.answers)
        expected: _Pressed | None = None  # what an answer from this screen must record
        if kind == "reload":
            chat.knowledge = pool[int(str(value))]
            continue
        if kind in {"press", "old", "label"}:
            buttons = [_Pressed(screen.question_id, o.id, o.label) for o in screen.options]
            if kind == "old":
                expected = seen[int(str(value)) % len(seen)]
            else:
                expected = buttons[int(str(value)) % len(buttons)]
            if kind == "label":
                chat.send(expected.label)
            else:
                chat.send(choice=Choice(expected.question_id, expected.option_id))
        elif kind == "type":
            text = str(value)
            positions = {"1": 0, "2": 1, "c": 2, "last": len(screen.options) - 1}
            if text in positions:
                view = screen.options[positions[text]]
                expected = _Pressed(screen.question_id, view.id, view.label)
            chat.send(text)
        else:
            chat.send(command=Command(str(value)))
        assert chat.replies, (kind, value)
        for ack in chat.of(AcknowledgementReply):
            if ack.answer is None:
                continue
            recorded = chat.state.answers.get(ack.question_id)
            question = chat.knowledge.question(ack.question_id)
            assert question is not None
            option = question.option(recorded) if recorded else None
            assert option is not None
            assert option.label == ack.answer
            if kind == "old":
                # A button carries ids only: it records exactly its own option, or nothing.
                assert expected is not None
                assert (ack.question_id, option.id) == (expected.question_id, expected.option_id)
            elif kind != "command":
                # Whatever is typed or pressed answers the question on screen...
                assert ack.question_id == screen.question_id
                if expected is not None and kind != "label":
                    # ...and a button or a position records exactly the option seen there.
                    assert option.id == expected.option_id
                    assert option.label == expected.label
        if not chat.of(AcknowledgementReply):
            changed = {k: v for k, v in chat.state.answers.items() if before.get(k) != v}
            assert not changed or kind == "command", (kind, value, changed)
        if chat.state.phase is not Phase.ASKING:
            chat.send("restart")
        screens = chat.of(QuestionReply)
        if screens:
            screen = screens[-1]
            seen.extend(_Pressed(screen.question_id, o.id, o.label) for o in screen.options)
    summary = finish_with_first_options(chat).summary
    assert summary.answered + summary.skipped <= len(chat.knowledge.questions)
    assert {leaning.question_id for leaning in summary.leanings} <= {
        q.id for q in chat.knowledge.questions
    }
