"""Property-based: no input crashes the engine, and every conversation can reach a summary."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine.index import index_for
from bot.engine.replies import Clarity, QuestionReply, SummaryReply
from bot.engine.state import Phase
from bot.engine.summary import build_summary
from bot.engine.turn import Choice, Command
from bot.knowledge import Knowledge
from tests.engine.conftest import NOW, Conversation

WORDS = [
    "IT", "it", "the business", "not", "CIO", "both", "skip", "back", "why", "help", "ask",
    "restart", "cancel", "start", "summary", "b", "2", "the second one", "?", "<!channel>",
    "@here", "<@U123>", "&amp;", "[bold]", "", " ", "\n", "ünïcødé", "💥", "'", '"', "not IT,",
]  # fmt: skip
text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
)
action = st.one_of(
    text.map(lambda value: ("text", value)),
    st.sampled_from(list(Command)).map(lambda value: ("command", value)),
    st.tuples(st.text(max_size=20), st.text(max_size=20)).map(lambda value: ("choice", value)),
    st.just(("current", None)),
)
# What an action carries: text, a command, a (question id, option id) choice, or nothing.
Value = str | Command | tuple[str, str] | None
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def apply(chat: Conversation, kind: str, value: Value) -> None:
    if kind == "text":
        chat.send(str(value))
    elif kind == "command":
        chat.send(command=Command(str(value)), argument="what about governance")
    elif kind == "choice":
        assert isinstance(value, tuple)
        question_id, option_id = value
        chat.send(choice=Choice(question_id, option_id))
    else:
        questions = [r for r in chat.replies if isinstance(r, QuestionReply)]
        if questions:
            question = questions[-1]
            chat.send(choice=Choice(question.question_id, question.options[0].id))
        else:
            chat.send("")


@SETTINGS
@given(actions=st.lists(action, max_size=25))
def test_no_sequence_of_inputs_crashes_and_summary_is_reachable(
    knowledge: Knowledge, actions: list[tuple[str, Value]]
) -> None:
    chat = Conversation(knowledge)
    for kind, value in actions:
        apply(chat, kind, value)
        assert chat.replies, (kind, value)
        assert set(chat.state.answers) <= {q.id for q in knowledge.questions}
    # Whatever happened, a user can still get to the summary.
    if chat.state.phase is not Phase.ASKING:
        chat.send("restart")
    for _ in range(len(knowledge.questions) + 1):
        if chat.state.phase is Phase.DONE:
            break
        chat.send("1")
    assert chat.state.phase is Phase.DONE
    assert any(isinstance(r, SummaryReply) for r in chat.replies)


@SETTINGS
@given(value=text)
def test_any_text_as_an_answer_gives_a_reply(knowledge: Knowledge, value: str) -> None:
    chat = Conversation(knowledge)
    chat.send("start")
    chat.send(value)
    assert chat.replies


# --- the matcher ---------------------------------------------------------------------------


@SETTINGS
@given(value=text, question=st.integers(min_value=0, max_value=11))
def test_no_input_crashes_the_matcher(knowledge: Knowledge, value: str, question: int) -> None:
    from bot.engine.index import index_for

    matcher = index_for(knowledge).matchers[knowledge.questions[question].id]
    match = matcher.match(value)
    assert match.chosen is None or match.chosen in matcher.option_ids
    assert set(match.candidates) <= set(matcher.option_ids)
    assert len(match.ranked) == len(matcher.option_ids)


@SETTINGS
@given(
    question=st.integers(min_value=0, max_value=11),
    position=st.integers(min_value=0, max_value=3),
    form=st.sampled_from(["number", "letter", "label", "label upper", "option n"]),
)
def test_a_number_a_letter_or_an_exact_label_is_always_understood(
    knowledge: Knowledge, question: int, position: int, form: str
) -> None:
    from bot.engine.index import index_for

    asked = knowledge.questions[question]
    option = asked.options[position]
    typed = {
        "number": str(position + 1),
        "letter": "abcd"[position],
        "label": option.label,
        "label upper": option.label.upper(),
        "option n": f"option {position + 1}",
    }[form]
    assert index_for(knowledge).matchers[asked.id].match(typed).chosen == option.id


@given(data=st.data())
@SETTINGS
def test_no_snippet_is_shown_twice_in_a_summary(knowledge: Knowledge, data: st.DataObject) -> None:
    """Over any answers: the reasons and the other view quote distinct snippets, and the other
    view never also argues for the recommendation when the runner-up has a point that does not."""
    answers = {
        question.id: data.draw(st.sampled_from([None, *(o.id for o in question.options)]))
        for question in knowledge.questions
    }
    summary = build_summary(answers, index_for(knowledge), NOW)

    shown = [snippet.id for snippet in summary.why]
    if summary.other_view is not None:
        shown.append(summary.other_view.id)
    assert len(shown) == len(set(shown)), shown
    if summary.other_view is not None and summary.runner_up is not None:
        recommended = summary.recommended.id
        other = knowledge.snippet(summary.other_view.id)
        assert other is not None
        assert summary.other_view_for is not None
        assert summary.other_view_for.id in other.models
        # After a clear result any article's point may answer it; otherwise the runner-up's.
        answering = None if summary.clarity is Clarity.CLEAR else summary.runner_up.id
        reasons = {snippet.id for snippet in summary.why}
        really_other = [
            s.id
            for s in knowledge.snippets
            if s.models
            and recommended not in s.models
            and (answering is None or answering in s.models)
            and s.id not in reasons
        ]
        if really_other:
            assert summary.other_view.id in really_other
