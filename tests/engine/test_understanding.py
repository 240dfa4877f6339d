"""Each way the old matcher misread people, as a test: contrast, negation scope, meaning in
other words, lengths of time, one generic word, answers naming both sides, questions about an
option, and answers that will not choose. Written against the bundled knowledge."""

from __future__ import annotations

import pytest

from bot.engine.clauses import split_clauses
from bot.engine.dialogue import handle
from bot.engine.durations import lengths_in_days
from bot.engine.index import index_for
from bot.engine.inquiry import asks_about_options, positions_named
from bot.engine.lookup import TokenLookup
from bot.engine.matching import QuestionMatcher
from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    OptionInfoReply,
    QuestionReply,
)
from bot.engine.state import ConversationState
from bot.engine.turn import Command, Turn
from bot.knowledge import Knowledge
from tests.engine.conftest import NOW, Conversation


def chosen(knowledge: Knowledge, question: str, text: str) -> str | None:
    return index_for(knowledge).matchers[question].match(text).chosen


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        # the clause after "but" / the one a concession leads to is the answer
        (
            "it_capability",
            "They keep the servers up, although nobody has ever built a model",
            "traditional",
        ),
        (
            "culture",
            "We like to think we're agile, but honestly nothing ships without sign-off",
            "controlled",
        ),
    ],
)
def test_the_clause_that_carries_the_meaning_wins(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert chosen(knowledge, question, text) == expected


def test_a_conceded_clause_counts_less() -> None:
    conceded, main = split_clauses("Solid at running the ERP, but nobody has touched ML")
    assert conceded.conceded
    assert conceded.weight < main.weight
    assert main.text == "nobody has touched ML"


def test_a_concession_heard_whole_and_read_by_clause_differently_is_asked_back(
    knowledge: Knowledge,
) -> None:
    # The clauses say the business; the answer heard whole (the classifier) says IT, the word
    # it hears most. Neither is recorded: the clauses' reading is offered first.
    text = "IT has the skills, but the business should have the final say"
    match = index_for(knowledge).matchers["reporting_line"].match(text)
    assert match.chosen is None
    assert match.candidates == ("business", "it")


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        # words before the negator keep their meaning
        ("risk_posture", "We can't explain why the model declined someone", "harm"),
        # the option whose meaning is itself "nobody uses it"
        ("risk_posture", "no one opens the licences we bought", "unused"),
        # a rejection counts for the option the knowledge names as its opposite
        ("regulation", "not heavily regulated at all", "light"),
        ("culture", "we never experiment, everything follows the standards", "controlled"),
        ("reporting_line", "the business, not IT", "business"),
    ],
)
def test_negation_is_scoped_and_credits_the_opposite(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert chosen(knowledge, question, text) == expected


def test_saying_only_what_it_is_not_chooses_nothing(knowledge: Knowledge) -> None:
    assert chosen(knowledge, "reporting_line", "IT shouldn't own it") is None


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("reporting_line", "our technology chief", "it"),
        ("time_horizon", "eighteen months, it improves as it sees data", "long_arc"),
        ("time_horizon", "six weeks in one team and then we decide", "quick_trial"),
        ("talent_model", "we would bring in data scientists from outside", "ai_specialists"),
        ("mandate", "take the tedious admin off people's desks", "pain_points"),
    ],
)
def test_meaning_in_other_words(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert chosen(knowledge, question, text) == expected


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("eighteen months", (540.0,)),
        ("6-8 weeks", (49.0,)),
        ("a couple of years", (730.0,)),
        ("half a year", (182.5,)),
        ("a year and a half", (547.5,)),
        ("a few weeks, then a multi-year plan", (21.0, 730.0)),
        ("it takes years", (730.0,)),
        ("lunch at noon", ()),
    ],
)
def test_lengths_of_time_are_read_as_days(text: str, days: tuple[float, ...]) -> None:
    assert lengths_in_days(text) == days


def test_a_length_outside_an_options_range_does_not_choose_it_by_its_unit(
    knowledge: Knowledge,
) -> None:
    # "months" is a word of the quarter option, but eighteen of them are a year and more.
    assert chosen(knowledge, "time_horizon", "at least eighteen months") == "long_arc"


def test_a_real_word_is_not_a_typo_of_another() -> None:
    lookup = TokenLookup(["launch", "pilot"], 4, 80)
    assert lookup.similar("lunch") == {}
    assert "pilot" in lookup.similar("pliot")  # a real typo still is one


def test_one_generic_word_does_not_choose(knowledge: Knowledge) -> None:
    # "lunch" is one letter from "launch" (stuck before launch): not an answer.
    assert chosen(knowledge, "ai_maturity", "lunch") is None


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        (
            "operations_model",
            "IT keeps it running and my team leads check that it helps",
            "split_run",
        ),
        ("time_horizon", "a few weeks for quick wins, then a two year roadmap", "staged"),
        ("talent_model", "our business people working side by side with IT developers", "paired"),
    ],
)
def test_an_answer_naming_both_sides_means_the_joint_option(
    knowledge: Knowledge, question: str, text: str, expected: str
) -> None:
    assert chosen(knowledge, question, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "what is a CAIO, exactly?",
        "what's the difference between b and d?",
        "What does CAIO stand for?",
        "does 'head of IT' include the CTO?",
        "What's MLOps?",
    ],
)
def test_questions_about_the_options_are_recognised(text: str) -> None:
    assert asks_about_options(text)


@pytest.mark.parametrize(
    "text", ["the business, surely?", "what about the business?", "IT, obviously", "a CAIO"]
)
def test_answers_are_not_taken_for_questions(text: str) -> None:
    assert not asks_about_options(text)


def test_a_question_about_an_option_is_answered_and_nothing_recorded(chat: Conversation) -> None:
    chat.send("start")
    while chat.of(QuestionReply)[-1].question_id != "reporting_line":
        chat.send("skip")
    chat.send("what is a CAIO, exactly?")
    (info,) = chat.of(OptionInfoReply)
    assert [view.option.id for view in info.options] == ["ai_leader"]
    assert info.options[0].description
    assert info.options[0].snippets
    assert chat.of(QuestionReply)[-1].question_id == "reporting_line"
    assert "reporting_line" not in chat.state.answers


def test_the_difference_between_two_options_shows_both(chat: Conversation) -> None:
    chat.send("start")
    chat.send("what's the difference between b and d?")
    (info,) = chat.of(OptionInfoReply)
    assert [view.option.letter for view in info.options] == ["b", "d"]
    assert chat.state.answers == {}


def test_an_answer_phrased_as_a_question_is_still_an_answer(chat: Conversation) -> None:
    chat.send("start")
    while chat.of(QuestionReply)[-1].question_id != "reporting_line":
        chat.send("skip")
    chat.send("the business, surely?")
    assert chat.of(AcknowledgementReply)
    assert chat.state.answers["reporting_line"] == "business"


def test_an_open_question_still_searches_the_articles(chat: Conversation) -> None:
    chat.send("start")
    chat.send("how do other companies measure success?")
    assert chat.of(AnswerReply)
    assert chat.state.answers == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("honestly torn between a and c", ("platform", "new_value")),
        ("somewhere between the first and the last one", ("platform", "some_of_each")),
    ],
)
def test_an_answer_that_will_not_choose_asks_back_with_what_it_named(
    knowledge: Knowledge, text: str, expected: tuple[str, ...]
) -> None:
    match = index_for(knowledge).matchers["mandate"].match(text)
    assert match.chosen is None
    assert match.candidates == expected


def test_positions_named_in_a_sentence() -> None:
    assert positions_named("b and d", 4) == (1, 3)
    assert positions_named("a quarter", 4) == ()  # "a" alone is an article


def test_an_either_or_answer_asks_back_with_both(knowledge: Knowledge) -> None:
    state, replies = handle(ConversationState(), Turn(now=NOW, command=Command.START), knowledge)
    while [r for r in replies if isinstance(r, QuestionReply)][-1].question_id != "reporting_line":
        state, replies = handle(state, Turn(now=NOW, command=Command.SKIP), knowledge)
    state, replies = handle(state, Turn(now=NOW, text="the CIO or a business leader"), knowledge)
    (clarification,) = [r for r in replies if isinstance(r, ClarificationReply)]
    assert {view.id for view in clarification.candidates} == {"it", "business"}


def test_without_the_vectors_the_words_still_understand(knowledge: Knowledge) -> None:
    question = knowledge.questions[0]
    words_only = QuestionMatcher(question)
    assert words_only.match(question.options[1].label).chosen == question.options[1].id
    assert words_only.match("cut manual work").chosen == "pain_points"


def test_none_of_these_shows_every_option_again(chat: Conversation) -> None:
    chat.send("start")
    while chat.of(QuestionReply)[-1].question_id != "reporting_line":
        chat.send("skip")
    chat.send("the CIO or a business leader")
    (clarification,) = chat.of(ClarificationReply)
    assert clarification.can_show_all
    chat.send("none of these")
    assert len(chat.of(QuestionReply)[-1].options) == 4
    assert chat.state.pending == ()
    assert "reporting_line" not in chat.state.answers


def test_no_to_a_single_guess_shows_every_option(chat: Conversation) -> None:
    chat.send("start")
    while chat.of(QuestionReply)[-1].question_id != "reporting_line":
        chat.send("skip")
    chat.state = chat.state.model_copy(update={"pending": ("business",)})
    chat.send("no")
    assert len(chat.of(QuestionReply)[-1].options) == 4
    assert chat.state.pending == ()
    assert "reporting_line" not in chat.state.answers


def test_a_long_text_is_an_answer_not_a_question_about_the_options() -> None:
    # The inquiry patterns only ever read a short text, so a long one cannot make them slow.
    assert not asks_about_options("what does " + "that word " * 200 + "mean?")
    assert asks_about_options("what does that word mean?")
