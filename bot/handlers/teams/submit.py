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
from typing import Literal, TypeGuard

from bot.engine.turn import Command

SUBMIT_KEY = "advisor"
ASK_INPUT_ID = "question"  # the id of the "Ask a question" Input.Text: its value's key

SubmitKind = Literal["answer", "command", "ask"]
_COMMANDS = frozenset(command.value for command in Command)
# The knowledge schema's id (bot/knowledge/model.py `Id`): question and option ids look so.
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Submitted:
    """What a card button or form meant."""

    kind: SubmitKind
    question_id: str = ""
    option_id: str = ""
    command: str = ""  # a bot.engine.turn.Command value, for kind "command"
    text: str = ""  # the typed question, for kind "ask"


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
    return None


def _is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _ID.fullmatch(value) is not None
