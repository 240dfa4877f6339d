"""Action.Submit data: what our buttons carry reads back exactly, and anything else (another
app's card, a forged or malformed value, a command that does not exist) reads as None."""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.turn import Command
from bot.handlers.teams.submit import (
    ASK_INPUT_ID,
    SUBMIT_KEY,
    SURVEY_KEY,
    Submitted,
    answer_data,
    ask_data,
    command_data,
    is_pulse,
    parse_submit,
    pulse_data,
    pulse_input_id,
)
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.knowledge.model import Id

ID_PATTERN = get_args(Id)[1].pattern


def test_the_data_shapes() -> None:
    assert SUBMIT_KEY == "advisor"
    assert ASK_INPUT_ID == "question"
    assert answer_data("q1", "o2") == {"advisor": "answer", "q": "q1", "o": "o2"}
    assert command_data("skip") == {"advisor": "command", "name": "skip"}
    assert ask_data() == {"advisor": "ask"}


def test_answer_round_trips() -> None:
    assert parse_submit(answer_data("mandate", "it-run_2")) == Submitted(
        "answer", question_id="mandate", option_id="it-run_2"
    )


@pytest.mark.parametrize("command", list(Command))
def test_every_command_round_trips(command: Command) -> None:
    assert parse_submit(command_data(command.value)) == Submitted("command", command=command.value)
    assert Command(parse_submit(command_data(command)).command) is command  # type: ignore[union-attr]


def test_ask_round_trips_with_the_typed_question() -> None:
    value = {**ask_data(), ASK_INPUT_ID: "How should we measure AI success?"}
    assert parse_submit(value) == Submitted("ask", text="How should we measure AI success?")


def test_ask_without_the_input_is_an_empty_question() -> None:
    """Teams leaves an empty input out of the value."""
    assert parse_submit(ask_data()) == Submitted("ask", text="")
    assert parse_submit({**ask_data(), ASK_INPUT_ID: ""}) == Submitted("ask", text="")


def test_extra_keys_teams_merges_in_are_ignored() -> None:
    """Teams merges every input of the card into the value; they do not change the meaning."""
    value = {**answer_data("q", "o"), ASK_INPUT_ID: "typed but not sent", "other": [1, 2]}
    assert parse_submit(value) == Submitted("answer", question_id="q", option_id="o")


def test_every_bundled_id_round_trips() -> None:
    knowledge = load_knowledge(default_knowledge_dir())
    for question in knowledge.questions:
        for option in question.options:
            parsed = parse_submit(answer_data(question.id, option.id))
            assert parsed == Submitted("answer", question_id=question.id, option_id=option.id)


GARBAGE: list[Any] = [
    None,
    "",
    "answer",
    '{"advisor": "answer", "q": "q", "o": "o"}',  # a JSON string is not a card's data
    42,
    3.5,
    True,
    [],
    ["advisor", "answer"],
    {},
    {"q": "q", "o": "o"},  # no key
    {"adviser": "answer", "q": "q", "o": "o"},  # the wrong key
    {"ADVISOR": "answer", "q": "q", "o": "o"},
    {"advisor": None},
    {"advisor": 1, "q": "q", "o": "o"},
    {"advisor": ["answer"], "q": "q", "o": "o"},
    {"advisor": "Answer", "q": "q", "o": "o"},  # unknown kind
    {"advisor": "vote", "q": "q", "o": "o"},
    {"advisor": "answer"},  # missing fields
    {"advisor": "answer", "q": "q"},
    {"advisor": "answer", "o": "o"},
    {"advisor": "answer", "q": 1, "o": "o"},  # wrong types
    {"advisor": "answer", "q": "q", "o": None},
    {"advisor": "answer", "q": ["q"], "o": "o"},
    {"advisor": "answer", "q": {"id": "q"}, "o": "o"},
    {"advisor": "answer", "q": "", "o": "o"},  # not an id
    {"advisor": "answer", "q": "q", "o": "O"},
    {"advisor": "answer", "q": "q x", "o": "o"},
    {"advisor": "answer", "q": "../q", "o": "o"},
    {"advisor": "answer", "q": "-q", "o": "o"},
    {"advisor": "answer", "q": "q" * 65, "o": "o"},
    {"advisor": "answer", "q": "q\n", "o": "o"},
    {"advisor": "command"},
    {"advisor": "command", "name": "delete"},  # not a Command
    {"advisor": "command", "name": "START"},
    {"advisor": "command", "name": " start"},
    {"advisor": "command", "name": ""},
    {"advisor": "command", "name": 1},
    {"advisor": "command", "name": ["start"]},
    {"advisor": "command", "name": None},
    {"advisor": "ask", "question": 42},  # the typed text must be text
    {"advisor": "ask", "question": None},
    {"advisor": "ask", "question": ["a"]},
    {"advisor": "ask", "question": {"text": "a"}},
]


@pytest.mark.parametrize("value", GARBAGE, ids=[repr(v)[:50] for v in GARBAGE])
def test_garbage_reads_as_none(value: object) -> None:
    assert parse_submit(value) is None


def test_builders_refuse_what_the_parser_would_reject() -> None:
    for bad in ("", "Q", "q x", "q" * 65):
        with pytest.raises(ValueError, match="not a knowledge id"):
            answer_data(bad, "o")
        with pytest.raises(ValueError, match="not a knowledge id"):
            answer_data("q", bad)
    for name in ("", "delete", "START"):
        with pytest.raises(ValueError, match="not a command"):
            command_data(name)


def test_submitted_is_immutable() -> None:
    submitted = Submitted("command", command="start")
    with pytest.raises(AttributeError):
        submitted.command = "cancel"  # type: ignore[misc]


# --- properties -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
ours = st.fixed_dictionaries(
    {
        "advisor": st.sampled_from(["answer", "command", "ask", "other"]),
        "q": json_values,
        "o": json_values,
        "name": st.one_of(st.sampled_from([c.value for c in Command]), json_values),
        "question": json_values,
    }
)


@given(st.one_of(json_values, ours))
def test_parse_never_raises_and_only_returns_meaningful_values(value: object) -> None:
    parsed = parse_submit(value)
    if parsed is None:
        return
    assert parsed.kind in ("answer", "command", "ask")
    if parsed.kind == "answer":
        assert re.fullmatch(ID_PATTERN, parsed.question_id)
        assert re.fullmatch(ID_PATTERN, parsed.option_id)
    if parsed.kind == "command":
        assert Command(parsed.command).value == parsed.command
    if parsed.kind == "ask":
        assert isinstance(parsed.text, str)


@given(st.from_regex(ID_PATTERN, fullmatch=True), st.from_regex(ID_PATTERN, fullmatch=True))
def test_any_knowledge_id_round_trips(question_id: str, option_id: str) -> None:
    """The parser accepts exactly the ids the knowledge schema allows."""
    parsed = parse_submit(answer_data(question_id, option_id))
    assert parsed == Submitted("answer", question_id=question_id, option_id=option_id)


@given(st.text(max_size=80))
def test_the_parser_and_the_knowledge_schema_agree_on_ids(candidate: str) -> None:
    accepted = parse_submit({"advisor": "answer", "q": candidate, "o": "o"}) is not None
    assert accepted == (re.fullmatch(ID_PATTERN.strip("^$"), candidate) is not None)


@given(st.text())
def test_any_typed_question_round_trips(text: str) -> None:
    assert parse_submit({**ask_data(), ASK_INPUT_ID: text}) == Submitted("ask", text=text)


# --- pulse survey buttons ----------------------------------------------------------------------

SURVEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("kind", ["pulse_answer", "pulse_close", "pulse_send"])
def test_pulse_buttons_round_trip(kind: str) -> None:
    data = pulse_data(kind, SURVEY)  # type: ignore[arg-type]
    assert data == {SUBMIT_KEY: kind, SURVEY_KEY: SURVEY}
    assert is_pulse(data)
    assert parse_submit(data) == Submitted(kind, survey_id=SURVEY)  # type: ignore[arg-type]


def test_the_answers_arrive_with_the_send_button() -> None:
    value = {
        **pulse_data("pulse_send", SURVEY),
        pulse_input_id("mandate"): "it",
        pulse_input_id("metrics"): "roi",
        ASK_INPUT_ID: "an unrelated input of the same card",
    }
    assert parse_submit(value) == Submitted(
        "pulse_send", survey_id=SURVEY, answers=(("mandate", "it"), ("metrics", "roi"))
    )


def test_question_ids_never_collide_with_the_buttons_keys() -> None:
    for question_id in ("advisor", "s"):
        assert pulse_input_id(question_id) not in (SUBMIT_KEY, SURVEY_KEY)
    value = {**pulse_data("pulse_send", SURVEY), pulse_input_id("s"): "o"}
    assert parse_submit(value) == Submitted("pulse_send", survey_id=SURVEY, answers=(("s", "o"),))


PULSE_GARBAGE: list[Any] = [
    {"advisor": "pulse_answer"},
    {"advisor": "pulse_answer", "s": ""},
    {"advisor": "pulse_close", "s": SURVEY.upper()},
    {"advisor": "pulse_close", "s": SURVEY + "0"},
    {"advisor": "pulse_close", "s": 12},
    {"advisor": "pulse_send", "s": SURVEY, "pulse_q:mandate": 3},
    {"advisor": "pulse_send", "s": SURVEY, "pulse_q:Not An Id": "o"},
    {"advisor": "pulse_send", "s": SURVEY, "pulse_q:m": ["a", "b"]},
]


@pytest.mark.parametrize("value", PULSE_GARBAGE, ids=[repr(v)[:60] for v in PULSE_GARBAGE])
def test_malformed_pulse_values_read_as_none_but_stay_pulse_presses(value: object) -> None:
    """Still recognised as a pulse press, so the bot answers it without recording the person."""
    assert parse_submit(value) is None
    assert is_pulse(value)


def test_other_values_are_not_pulse_presses() -> None:
    assert not is_pulse(answer_data("q", "o"))
    assert not is_pulse({"advisor": "pulse"})
    assert not is_pulse(None)
    assert not is_pulse("pulse_answer")


def test_pulse_builders_refuse_bad_ids() -> None:
    with pytest.raises(ValueError, match="not a pulse button"):
        pulse_data("pulse_answer", "not-a-survey-id")
    with pytest.raises(ValueError, match="not a pulse button"):
        pulse_data("answer", SURVEY)
    with pytest.raises(ValueError, match="not a knowledge id"):
        pulse_input_id("Not An Id")
