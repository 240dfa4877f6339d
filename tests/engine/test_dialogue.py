from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    ExplanationReply,
    HelpReply,
    NoticeLevel,
    NoticeReply,
    QuestionReply,
    SummaryReply,
)
from bot.engine.state import ConversationState, Phase
from bot.engine.turn import Choice, Command
from bot.knowledge import Knowledge
from tests.engine.conftest import Conversation


def current(chat: Conversation) -> QuestionReply:
    questions = chat.of(QuestionReply)
    assert questions, chat.replies
    return questions[-1]


def answer_all_by_buttons(chat: Conversation, option_index: int = 0) -> None:
    chat.send("start")
    while not chat.of(SummaryReply):
        question = current(chat)
        option = question.options[min(option_index, len(question.options) - 1)]
        chat.send(choice=Choice(question.question_id, option.id))


def test_start_asks_the_first_question(chat: Conversation, knowledge: Knowledge) -> None:
    chat.send("start")
    question = current(chat)
    assert question.question_id == knowledge.questions[0].id
    assert (question.number, question.total) == (1, len(knowledge.questions))
    assert [o.letter for o in question.options][:3] == ["a", "b", "c"]
    assert not question.can_go_back
    assert chat.state.phase is Phase.ASKING


def test_a_greeting_starts_when_idle(chat: Conversation) -> None:
    chat.send("Hello!")
    assert chat.of(QuestionReply)


def test_button_answer_acknowledges_and_moves_on(chat: Conversation) -> None:
    chat.send("start")
    first = current(chat)
    chat.send(choice=Choice(first.question_id, first.options[1].id))
    (ack,) = chat.of(AcknowledgementReply)
    assert ack.answer == first.options[1].label
    assert current(chat).number == 2
    assert current(chat).can_go_back
    assert chat.state.answers == {first.question_id: first.options[1].id}


def test_full_diagnostic_by_buttons_ends_with_the_summary(
    chat: Conversation, knowledge: Knowledge
) -> None:
    answer_all_by_buttons(chat, option_index=0)
    (reply,) = chat.of(SummaryReply)
    summary = reply.summary
    assert reply.completed_now
    assert chat.state.phase is Phase.DONE
    assert summary.answered == len(knowledge.questions)
    assert len(summary.scores) == len(knowledge.models)
    assert abs(sum(s.score for s in summary.scores) - 1.0) < 1e-9
    assert len(summary.leanings) == len(knowledge.questions)
    assert 2 <= len(summary.why) <= 3
    assert all(summary.recommended.name in s.models for s in summary.why)
    assert summary.other_view is not None
    model = knowledge.model(summary.recommended.id)
    assert model is not None
    assert [s.text for s in summary.plan if not s.because][:3] == list(model.next_steps)
    assert {s.horizon for s in summary.plan} == {30, 60, 90}
    assert summary.knowledge_version == knowledge.version
    assert summary.date.isoformat() == "2026-11-22"


def test_full_diagnostic_by_free_text(chat: Conversation) -> None:
    chat.send("start")
    typed = ["a", "the second one", "3", "d", "not IT, the business", "b", "c", "1", "2", "a"]
    for text in typed:
        chat.send(text)
        assert chat.of(AcknowledgementReply), (text, chat.replies)
    while not chat.of(SummaryReply):
        chat.send("1")
    assert chat.state.answers["reporting_line"] == "business"


def test_unsure_answer_asks_back_with_the_likeliest_options(chat: Conversation) -> None:
    chat.send("start")
    while current(chat).question_id != "reporting_line":
        chat.send("skip")
    chat.send("the CIO or a business leader")
    (clarification,) = chat.of(ClarificationReply)
    assert {o.id for o in clarification.candidates} >= {"it", "business"}
    assert not clarification.understood_nothing
    assert chat.state.pending
    assert "reporting_line" not in chat.state.answers
    chat.send("yes")  # not an answer: the clarification is shown again
    assert chat.of(ClarificationReply)
    chat.send(choice=Choice("reporting_line", "business"))
    assert chat.state.answers["reporting_line"] == "business"
    assert chat.state.pending == ()


def test_gibberish_shows_every_option(chat: Conversation, knowledge: Knowledge) -> None:
    chat.send("start")
    chat.send("purple elephants")
    (clarification,) = chat.of(ClarificationReply)
    assert clarification.understood_nothing
    assert len(clarification.candidates) == len(knowledge.questions[0].options)


def test_a_question_instead_of_an_answer_is_answered(chat: Conversation) -> None:
    chat.send("start")
    chat.send("how do other companies measure success?")
    assert chat.of(AnswerReply)
    assert current(chat).number == 1


def test_back_undoes_the_last_answer(chat: Conversation) -> None:
    chat.send("start")
    chat.send("1")
    chat.send("2")
    chat.send("back")
    assert current(chat).number == 2
    assert len(chat.state.answers) == 1
    chat.send("go back")
    assert current(chat).number == 1
    assert chat.state.answers == {}
    chat.send("back")
    notice = chat.of(NoticeReply)[0]
    assert "first question" in notice.text


def test_back_after_the_summary_reopens_the_last_question(chat: Conversation) -> None:
    answer_all_by_buttons(chat)
    chat.send("back")
    assert chat.state.phase is Phase.ASKING
    assert current(chat).number == current(chat).total
    chat.send("2")
    assert chat.of(SummaryReply)[0].completed_now


def test_skip_records_a_skip(chat: Conversation, knowledge: Knowledge) -> None:
    chat.send("start")
    chat.send("skip")
    (ack,) = chat.of(AcknowledgementReply)
    assert ack.answer is None
    assert chat.state.answers == {knowledge.questions[0].id: None}


def test_skipping_everything_still_reaches_a_summary(chat: Conversation) -> None:
    chat.send("start")
    while not chat.of(SummaryReply):
        chat.send("skip")
    summary = chat.of(SummaryReply)[0].summary
    assert summary.answered == 0
    assert summary.clarity.value == "insufficient"


def test_help_keeps_the_question_open(chat: Conversation) -> None:
    chat.send("start")
    chat.send("help")
    (help_reply,) = chat.of(HelpReply)
    assert help_reply.in_progress
    assert any(name == "back" for name, _ in help_reply.commands)
    assert current(chat).number == 1


def test_why_explains_with_snippets(chat: Conversation, knowledge: Knowledge) -> None:
    chat.send("start")
    chat.send("why")
    (explanation,) = chat.of(ExplanationReply)
    first = knowledge.questions[0]
    assert explanation.why == first.why
    assert [s.id for s in explanation.snippets] == list(first.snippets)
    assert all(s.source.title for s in explanation.snippets)


def test_why_without_a_question(chat: Conversation) -> None:
    chat.send("why")
    assert chat.of(NoticeReply)


def test_cancel_drops_the_answers(chat: Conversation) -> None:
    chat.send("start")
    chat.send("1")
    chat.send("cancel")
    assert chat.state == ConversationState()
    chat.send("cancel")
    assert "no diagnostic" in chat.of(NoticeReply)[0].text


def test_ask_answers_with_sources(chat: Conversation) -> None:
    chat.send("ask how should we measure AI success?")
    (answer,) = chat.of(AnswerReply)
    assert answer.query == "how should we measure AI success?"
    assert 1 <= len(answer.hits) <= 3
    assert all(hit.source.title and hit.score for hit in answer.hits)


def test_ask_as_a_command_with_argument(chat: Conversation) -> None:
    chat.send(command=Command.ASK, argument="who owns the data platform")
    assert chat.of(AnswerReply)[0].hits


def test_ask_without_a_question(chat: Conversation) -> None:
    chat.send("ask")
    assert "Ask me something" in chat.of(NoticeReply)[0].text


def test_ask_during_the_diagnostic_reshows_the_question(chat: Conversation) -> None:
    chat.send("start")
    chat.send("ask what is MLOps?")
    assert chat.of(AnswerReply)
    assert current(chat).number == 1


def test_free_text_when_idle_is_a_question(chat: Conversation) -> None:
    chat.send("who should own the AI budget")
    assert chat.of(AnswerReply)
    assert chat.state.phase is Phase.IDLE


def test_restart_starts_over_but_start_resumes(chat: Conversation) -> None:
    chat.send("start")
    chat.send("1")
    chat.send("start")
    assert current(chat).number == 2
    chat.send("restart")
    assert current(chat).number == 1
    assert chat.state.answers == {}


def test_resume_picks_up_where_it_left(chat: Conversation) -> None:
    chat.send("start")
    chat.send("1")
    chat.send(command=Command.RESUME)
    assert "Welcome back" in chat.of(NoticeReply)[0].text
    assert current(chat).number == 2


def test_resume_after_the_summary(chat: Conversation) -> None:
    answer_all_by_buttons(chat)
    chat.send(command=Command.RESUME)
    assert "Your last result" in chat.of(NoticeReply)[0].text
    chat.send("summary")
    assert not chat.of(SummaryReply)[0].completed_now


def test_summary_before_the_end(chat: Conversation) -> None:
    chat.send("summary")
    assert "no result yet" in chat.of(NoticeReply)[0].text
    chat.send("start")
    chat.send("summary")
    assert chat.of(QuestionReply)


def test_empty_input(chat: Conversation) -> None:
    chat.send("   ")
    assert chat.of(NoticeReply)
    chat.send("start")
    chat.send("")
    assert current(chat).number == 1


def test_stale_button_of_an_answered_question(chat: Conversation) -> None:
    chat.send("start")
    first = current(chat)
    chat.send(choice=Choice(first.question_id, first.options[0].id))
    before = chat.state
    chat.send(choice=Choice(first.question_id, first.options[1].id))
    notice = chat.of(NoticeReply)[0]
    assert "already answered" in notice.text
    assert chat.state == before
    assert current(chat).number == 2


def test_button_of_an_unknown_question(chat: Conversation) -> None:
    chat.send("start")
    before = chat.state
    chat.send(choice=Choice("removed_question", "x"))
    assert "older version" in chat.of(NoticeReply)[0].text
    assert chat.state == before


def test_button_with_an_option_that_no_longer_exists(chat: Conversation) -> None:
    chat.send("start")
    first = current(chat)
    before = chat.state
    chat.send(choice=Choice(first.question_id, "gone"))
    notice = chat.of(NoticeReply)[0]
    assert notice.level is NoticeLevel.WARNING
    assert "no longer exists" in notice.text
    assert chat.state == before


def test_button_when_nothing_is_open(chat: Conversation) -> None:
    chat.send(choice=Choice("mandate", "platform"))
    assert "no longer open" in chat.of(NoticeReply)[0].text
    assert chat.state.phase is Phase.IDLE


def test_state_from_another_knowledge_version_is_handled(
    chat: Conversation, knowledge: Knowledge
) -> None:
    """Answers to questions and options that no longer exist are ignored, not crashed on."""
    first = knowledge.questions[0]
    chat.state = ConversationState(
        phase=Phase.ASKING,
        answers={"old_question": "x", first.id: "removed_option"},
        order=("old_question", first.id),
    )
    chat.send("1")
    assert chat.of(AcknowledgementReply)
    chat.send("back")
    chat.send("back")
    assert current(chat).number == 1
    while not chat.of(SummaryReply):
        chat.send("2")


def test_state_round_trips_through_json(chat: Conversation) -> None:
    chat.send("start")
    chat.send("1")
    chat.send("purple")
    restored = ConversationState.from_json(chat.state.to_json())
    assert restored == chat.state


def test_unreadable_state_starts_afresh() -> None:
    assert ConversationState.from_json({"phase": "??"}) == ConversationState()
    assert ConversationState.from_json(None) == ConversationState()


def test_no_snippet_is_echoed_twice_in_one_run(chat: Conversation, knowledge: Knowledge) -> None:
    """Whatever the answers, an echo already shown after an earlier answer is not shown again;
    a new run starts afresh."""
    for option_index in range(4):
        chat.send("restart" if option_index else "start")
        echoed: list[str] = []
        while not chat.of(SummaryReply):
            question = current(chat)
            option = question.options[min(option_index, len(question.options) - 1)]
            chat.send(choice=Choice(question.question_id, option.id))
            echoed += [ack.echo.id for ack in chat.of(AcknowledgementReply) if ack.echo]
        assert echoed, "some answers are echoed"
        assert len(echoed) == len(set(echoed)), echoed


def test_welcome_back_counts_answers_and_skips_apart(
    chat: Conversation, knowledge: Knowledge
) -> None:
    chat.send("start")
    first = current(chat)
    chat.send(choice=Choice(first.question_id, first.options[0].id))
    chat.send(command=Command.SKIP)
    second = current(chat)
    chat.send(choice=Choice(second.question_id, second.options[0].id))

    chat.send(command=Command.RESUME)

    (notice,) = chat.of(NoticeReply)
    total = len(knowledge.questions)
    assert notice.text == f"Welcome back: 2 of {total} answered so far, 1 skipped."
