"""Tell an answer from a question about the options, and from an answer that will not choose.

"What does CAIO mean?" or "what's the difference between b and d?" is not a vote for the CAIO
option: it is answered from the knowledge (what each option means and the article behind it)
and nothing is recorded. An answer merely phrased as a question ("the business, surely?") is
still an answer. And "torn between a and c" names two options without choosing either: the
bot asks back with exactly those.
"""

from __future__ import annotations

import re

from bot.engine.references import option_reference
from bot.engine.text import normalise

_ASKING_ABOUT = re.compile(
    r"\b(?:what(?:'s|s| is| are| does| do| exactly)?\b.*\b(?:mean|means|meant|stand for|"
    r"stands for|refer to|include|involve|look like|count as|counts as)\b|"
    r"what do you mean|what is meant|meaning of|definition of|define\b|"
    r"differen(?:ce|t) (?:between|from)|how (?:is|are|does|do) .+ differ|"
    r"(?:is|are) .+ (?:the same as|different from)|same thing as|"
    r"what(?:'s| is| are) (?:a|an|the|that|this|those|these|meant by)\b|whats (?:a|an|the)\b|"
    r"who (?:is|are|counts as|would be) (?:a|an|the)\b|"
    r"not sure what .+ means|(?:can|could) you (?:explain|clarify|define)|"
    r"what counts as|example of|examples of|which one is|what kind of|"
    r"^(?:does|do|is|are|would|will) .*\b(?:mean|means|include|includes|cover|covers|count)\b|"
    r"^(?:is|are|does|do) .+\bor\b.+\?$|"
    r"^what(?:'s|s| is| are) [\w'-]+(?: [\w'-]+)?\s*\?$)",
    re.IGNORECASE,
)
_INTERROGATIVE = re.compile(
    r"^(?:what|whats|what's|who|which|how|is|are|does|do|can|could|would|sorry|"
    r"not sure|i'm not sure|im not sure|um|hmm|wait|quick question)\b",
    re.IGNORECASE,
)
_UNDECIDED = re.compile(
    r"\b(?:torn|can't decide|cant decide|can't pick|cant pick|cannot decide|can't choose|"
    r"cant choose|undecided|no idea which|either (?:one|way)|somewhere between|"
    r"split between|between (?:the )?\w+ (?:one )?and|50/50|fifty[- ]fifty|no lean)\b",
    re.IGNORECASE,
)
_POSITION = re.compile(
    r"\b(?:option |number |answer )?(?:([a-e])|([1-5])|(first|second|third|fourth|fifth|last))"
    r"\b(?: one)?",
    re.IGNORECASE,
)
_ORDINAL_INDEX = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4}


# A question about an option is a sentence or two; longer text is an answer. The patterns
# below are only ever run on this much, so no input can make them slow.
MAX_INQUIRY_CHARS = 300


def asks_about_options(text: str) -> bool:
    """Is `text` a question about what the options mean, rather than an answer?"""
    plain = normalise(text).strip()
    if len(plain) > MAX_INQUIRY_CHARS:
        return False
    if plain.lower().startswith("what about"):
        return False  # "what about the business?" proposes an answer
    interrogative = plain.endswith("?") or bool(_INTERROGATIVE.match(plain))
    return interrogative and bool(_ASKING_ABOUT.search(plain))


def is_undecided(text: str) -> bool:
    """Does `text` say it cannot choose ("torn between b and c", "can't pick")?"""
    return bool(_UNDECIDED.search(normalise(text[: MAX_INQUIRY_CHARS * 2])))


def positions_named(text: str, option_count: int) -> tuple[int, ...]:
    """The options a text names by position ("b and d", "the first or the third"), in order.
    Single letters count only as standalone words, and only "a" before another position,
    since "a" is mostly an article."""
    whole = option_reference(text, option_count)
    if whole is not None:
        return (whole,)
    found: list[int] = []
    plain = normalise(text[:MAX_INQUIRY_CHARS]).lower()
    matches = list(_POSITION.finditer(plain))
    for match in matches:
        letter, digit, word = match.groups()
        if letter:
            if letter == "a" and len(matches) < 2:
                continue
            index = ord(letter) - ord("a")
        elif digit:
            index = int(digit) - 1
        else:
            index = option_count - 1 if word == "last" else _ORDINAL_INDEX[word]
        if 0 <= index < option_count and index not in found:
            found.append(index)
    return tuple(found)
