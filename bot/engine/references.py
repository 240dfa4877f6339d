"""Answers that point at an option by position: "2", "b", "(c)", "the second one", "last".

Options are shown numbered and lettered, so people answer with either, often wrapped in a few
filler words ("I'd go with b", "option 3 please"). Anything else is left to fuzzy matching.
"""

from __future__ import annotations

import re

from bot.engine.text import normalise

_ORDINALS = {
    "first": 1, "1st": 1, "one": 1,
    "second": 2, "2nd": 2, "two": 2,
    "third": 3, "3rd": 3, "three": 3,
    "fourth": 4, "4th": 4, "four": 4,
    "fifth": 5, "5th": 5, "five": 5,
}  # fmt: skip
_LAST = frozenset({"last", "final"})
_FILLERS = frozenset(
    {
        "i", "i'd", "id", "i'll", "ill", "we'd", "we", "go", "going", "with", "pick", "picking",
        "choose", "choosing", "select", "take", "the", "option", "answer", "choice", "number",
        "no", "nr", "num", "please", "one", "it's", "its", "is", "say", "let's", "lets", "mine",
        "my", "definitely", "probably", "think", "would", "be", "that", "vote", "for",
        "guess", "suppose", "reckon", "maybe", "perhaps", "hmm", "um", "well", "ok", "okay",
        "yeah", "yes", "then", "so", "i'm", "im", "sure", "thanks",
    }
)  # fmt: skip
_NAMING = frozenset({"option", "number", "answer", "choice", "no", "nr", "num"})
_TOKEN = re.compile(r"[a-z0-9']+")
_PUNCTUATION_ONLY = re.compile(r"^[\s#().,:;!?-]*$")


def option_reference(text: str, option_count: int) -> int | None:
    """The 0-based option index `text` points at, or None when it does not point at one."""
    lowered = normalise(text).strip().lower()
    words = _TOKEN.findall(lowered.replace("#", " "))
    if not words or len(words) > 8 or not _PUNCTUATION_ONLY.match(_TOKEN.sub("", lowered)):
        return None
    remaining = [word for word in words if word not in _FILLERS]
    if not remaining:
        # "one" is a filler in "the second one" but an answer in "one" or "option one".
        return 0 if words[-1] == "one" and (len(words) == 1 or words[-2] in _NAMING) else None
    if len(remaining) != 1:
        return None
    return _position(remaining[0], option_count)


def _position(word: str, option_count: int) -> int | None:
    if word.isdigit():
        index = int(word) - 1
    elif len(word) == 1 and "a" <= word <= "z":
        index = ord(word) - ord("a")
    elif word in _ORDINALS:
        index = _ORDINALS[word] - 1
    elif word in _LAST:
        index = option_count - 1
    else:
        return None
    return index if 0 <= index < option_count else None
