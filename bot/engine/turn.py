"""What one user action is, independent of where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Command(StrEnum):
    START = "start"
    RESTART = "restart"
    RESUME = "resume"
    BACK = "back"
    SKIP = "skip"
    HELP = "help"
    WHY = "why"
    CANCEL = "cancel"
    ASK = "ask"
    SUMMARY = "summary"
    OPTIONS = "options"  # "none of these": the open question again with every option


@dataclass(frozen=True)
class Choice:
    """A button press that answers a question with one of its options."""

    question_id: str
    option_id: str


@dataclass(frozen=True)
class Turn:
    """One thing the user did: typed `text`, pressed an option button (`choice`), or ran a
    command (a button, slash subcommand or typed word). `now` is the only clock the engine
    sees, so a turn is reproducible."""

    now: datetime
    text: str = ""
    choice: Choice | None = None
    command: Command | None = None
    argument: str = ""
