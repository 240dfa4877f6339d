"""Recognise typed commands ("back", "start over", "ask how do we measure success?") and
greetings. Everything else is an answer or a question for the matcher."""

from __future__ import annotations

import re

from bot.engine.text import normalise
from bot.engine.turn import Command

_PHRASES: dict[str, Command] = {
    **dict.fromkeys(
        ["start", "begin", "start diagnostic", "lets start", "let's start"], Command.START
    ),
    **dict.fromkeys(
        ["restart", "start over", "start again", "retake", "reset", "redo", "again"],
        Command.RESTART,
    ),
    **dict.fromkeys(["back", "go back", "previous", "prev", "undo"], Command.BACK),
    **dict.fromkeys(
        ["skip", "next", "pass", "skip it", "skip this", "skip this one"], Command.SKIP
    ),
    **dict.fromkeys(["help", "?", "commands", "menu", "what can you do"], Command.HELP),
    **dict.fromkeys(
        ["why", "why?", "why do you ask", "why this question", "explain", "why ask"], Command.WHY
    ),
    **dict.fromkeys(["cancel", "stop", "abort", "quit diagnostic", "end"], Command.CANCEL),
    **dict.fromkeys(["summary", "result", "results", "my result", "show result"], Command.SUMMARY),
    **dict.fromkeys(["ask"], Command.ASK),
    **dict.fromkeys(
        [
            "none of these",
            "none of them",
            "none",
            "show all",
            "show all options",
            "all options",
            "show me all",
            "show the options",
            "other",
            "something else",
        ],
        Command.OPTIONS,
    ),
}
_GREETINGS = frozenset(
    {"hi", "hello", "hey", "hi there", "hello there", "hey there", "good morning",
     "good afternoon", "good evening", "hiya", "howdy", "yo", "greetings"}
)  # fmt: skip
_ASK_PREFIX = re.compile(r"^/?ask\b[\s:,-]*(.*)$", re.IGNORECASE | re.DOTALL)
_QUESTION_START = re.compile(
    r"^(how|what|why|who|whom|whose|which|should|shall|can|could|is|are|does|do|where|when)\b",
    re.IGNORECASE,
)
_OPEN_QUESTION = re.compile(
    r"^(?:(?:how|what|who|which|why|when|where)\s+(?:do|does|did|should|would|could|can|is|are|"
    r"was|were|will|might|must|have|has)\b|why\b|(?:should|would|could|can|do|does|is|are)\s+"
    r"(?:we|i|you|they|companies|organisations|organizations|firms|other|most|it|ai)\b)",
    re.IGNORECASE,
)
_NO = frozenset({"no", "nope", "nah", "no thanks", "not that", "not that one", "wrong"})
_YES = frozenset({"yes", "yeah", "yep", "yup", "sure", "correct", "right", "y", "that one"})


def _plain(text: str) -> str:
    lowered = normalise(text).strip().lower().lstrip("/")
    return re.sub(r"\s+", " ", lowered).strip(" .!")


def parse_command(text: str) -> tuple[Command | None, str]:
    """The command a typed text is, with its argument; (None, "") for anything else."""
    asked = _ASK_PREFIX.match(normalise(text).strip())
    if asked:
        return Command.ASK, asked.group(1).strip()
    return _PHRASES.get(_plain(text)), ""


def is_greeting(text: str) -> bool:
    return _plain(text) in _GREETINGS


def is_no(text: str) -> bool:
    return _plain(text) in _NO


def is_yes(text: str) -> bool:
    return _plain(text) in _YES


def is_open_question(text: str) -> bool:
    """A question to the bot in its own right ("how do other companies measure success?"),
    not an answer phrased as one ("the business, surely?", "how about IT?")."""
    return bool(_OPEN_QUESTION.match(normalise(text).strip()))


def asks_the_advisor(text: str) -> bool:
    """An open question ending in "?" ("how do other companies measure success?"): asked of
    the bot, never an answer, whatever option its words lean to."""
    return is_open_question(text) and text.rstrip().endswith("?")


def looks_like_question(text: str) -> bool:
    stripped = text.strip()
    return stripped.endswith("?") or bool(_QUESTION_START.match(stripped))
