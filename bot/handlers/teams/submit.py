"""The data our Adaptive Card buttons carry (`Action.Submit`), and reading it back.

Teams sends a pressed `Action.Submit` as an ordinary message whose `activity.value` is the
button's `data` merged with the card's input values. Every button of ours marks its data with
`SUBMIT_KEY`, so a value is ours only when that key holds one of our kinds; anything else (another
app's card, a forged or truncated payload, a button from an older version) reads as None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard, cast

from bot.engine.turn import Command

SUBMIT_KEY = "advisor"
ASK_INPUT_ID = "question"  # the id of the "Ask a question" Input.Text: its value's key
SURVEY_KEY = "s"  # a pulse button's survey id
# A pulse questions card's Input.ChoiceSet ids: this prefix and the question id, so no question
# id can ever collide with SUBMIT_KEY or SURVEY_KEY in the merged value.
PULSE_INPUT_PREFIX = "pulse_q:"

SubmitKind = Literal[
    "answer",
    "command",
    "ask",
    "pulse_answer",
    "pulse_close",
    "pulse_send",
    "pulse_compare",
    "forget",
    "forget_cancel",
    "report",
]
# "Answer privately" and "Close survey" on the channel card; "Send my answers" in private;
# "Compare with my diagnostic" on the results.
PULSE_KINDS = frozenset({"pulse_answer", "pulse_close", "pulse_send", "pulse_compare"})
# "Delete my data" and "Cancel" on the forget-me card (`bot.handlers.teams.forget`).
FORGET_CONFIRM_KIND, FORGET_CANCEL_KIND = "forget", "forget_cancel"
FORGET_KINDS = frozenset({FORGET_CONFIRM_KIND, FORGET_CANCEL_KIND})
# The summary card's "Download report" (`bot.handlers.teams.report`): the kind alone, nothing
# about whose report (the presser's own is offered).
REPORT_KIND: SubmitKind = "report"
_COMMANDS = frozenset(command.value for command in Command)
# The knowledge schema's id (bot/knowledge/model.py `Id`): question and option ids look so.
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_SURVEY_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex, as the pulse service makes them


@dataclass(frozen=True)
class Submitted:
    """What a card button or form meant."""

    kind: SubmitKind
    question_id: str = ""
    option_id: str = ""
    command: str = ""  # a bot.engine.turn.Command value, for kind "command"
    text: str = ""  # the typed question, for kind "ask"
    survey_id: str = ""  # for the pulse kinds
    answers: tuple[tuple[str, str], ...] = ()  # (question id, option id), for "pulse_send"


def answer_data(question_id: str, option_id: str) -> dict[str, str]:
    """An option button: answers `question_id` with `option_id`."""
    if not (_ID.fullmatch(question_id) and _ID.fullmatch(option_id)):
        raise ValueError(f"not a knowledge id: {question_id[:70]!r} / {option_id[:70]!r}")
    return {SUBMIT_KEY: "answer", "q": question_id, "o": option_id}


def command_data(name: str) -> dict[str, str]:
    """A button running an engine command (`name` is a Command value)."""
    if name not in _COMMANDS:
        raise ValueError(f"not a command: {name[:70]!r}")
    return {SUBMIT_KEY: "command", "name": name}


def ask_data() -> dict[str, str]:
    """The "Ask" button of the question form; the typed text arrives under ASK_INPUT_ID."""
    return {SUBMIT_KEY: "ask"}


def report_data() -> dict[str, str]:
    """The summary card's "Download report" button."""
    return {SUBMIT_KEY: REPORT_KIND}


def pulse_data(kind: SubmitKind, survey_id: str) -> dict[str, str]:
    """A pulse button (`kind` one of PULSE_KINDS) about survey `survey_id`."""
    if kind not in PULSE_KINDS or not _SURVEY_ID.fullmatch(survey_id):
        raise ValueError(f"not a pulse button: {kind!r} / {survey_id[:70]!r}")
    return {SUBMIT_KEY: kind, SURVEY_KEY: survey_id}


def pulse_input_id(question_id: str) -> str:
    """The id of the questions card's choice for `question_id`."""
    if not _ID.fullmatch(question_id):
        raise ValueError(f"not a knowledge id: {question_id[:70]!r}")
    return PULSE_INPUT_PREFIX + question_id


def is_pulse(value: object) -> bool:
    """The value comes from one of our pulse buttons (well-formed or not): such a press is
    handled by the pulse code, which never records who pressed it."""
    return isinstance(value, Mapping) and value.get(SUBMIT_KEY) in PULSE_KINDS


def parse_submit(value: object) -> Submitted | None:
    """What a submitted card meant, or None when the value is not one of ours."""
    if not isinstance(value, Mapping):
        return None
    kind = value.get(SUBMIT_KEY)
    if kind == "answer":
        question_id, option_id = value.get("q"), value.get("o")
        if _is_id(question_id) and _is_id(option_id):
            return Submitted("answer", question_id=question_id, option_id=option_id)
        return None
    if kind == "command":
        name = value.get("name")
        if isinstance(name, str) and name in _COMMANDS:
            return Submitted("command", command=name)
        return None
    if kind == "ask":
        # Teams leaves an empty input out of the value: an empty question, not a forgery.
        text = value.get(ASK_INPUT_ID, "")
        if isinstance(text, str):
            return Submitted("ask", text=text)
        return None
    if isinstance(kind, str) and kind in PULSE_KINDS:
        return _parse_pulse(cast(SubmitKind, kind), value)
    if isinstance(kind, str) and kind in FORGET_KINDS:
        return Submitted(cast(SubmitKind, kind))
    if kind == REPORT_KIND:
        return Submitted(REPORT_KIND)
    return None


def _parse_pulse(kind: SubmitKind, value: Mapping[Any, Any]) -> Submitted | None:
    survey_id = value.get(SURVEY_KEY)
    if not (isinstance(survey_id, str) and _SURVEY_ID.fullmatch(survey_id)):
        return None
    if kind != "pulse_send":
        return Submitted(kind, survey_id=survey_id)
    answers: list[tuple[str, str]] = []
    for key, chosen in value.items():
        if not (isinstance(key, str) and key.startswith(PULSE_INPUT_PREFIX)):
            continue
        question_id = key.removeprefix(PULSE_INPUT_PREFIX)
        if not _ID.fullmatch(question_id) or not isinstance(chosen, str):
            return None
        answers.append((question_id, chosen))
    return Submitted(kind, survey_id=survey_id, answers=tuple(sorted(answers)))


def _is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _ID.fullmatch(value) is not None
