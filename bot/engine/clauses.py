"""Split an answer into the clauses that carry its meaning, and say how much each one counts.

People put the point of an answer after a contrast: in "solid at running the ERP, but nobody
there has touched machine learning" the second clause is the answer and the first is a
concession. So a clause after "but", "however" or "yet", and the clause that follows a
concession opened by "although", "though", "while", "whereas" or "even if", is the main one;
the conceded clause still counts, a little. A sequence ("first ..., then ...", "... for now,
... later") or a plain list keeps every part at full weight: such answers often name both
sides of a question that has an option for exactly that combination.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.engine.text import NEGATORS, normalise

# How much a conceded clause counts next to the main one.
CONCEDED_WEIGHT = 0.2

_CONTRAST_AFTER = ("but", "however", "yet")
# A conclusion ("... so the business should decide") is the point, like a contrast.
_CONCLUSION = ("so", "therefore", "basically", "in short", "overall", "bottom line")
_CONCESSIVE_START = ("although", "though", "even though", "while", "whilst", "whereas", "even if")
# Words that present an answer as two sides or two steps rather than a concession.
_BOTH_SIDES = re.compile(
    r"\b(?:both|bit of each|some of each|each side|jointly|together|first|then|later|for now|"
    r"one side|other side|one half|mix|balance|as well)\b"
)
_SPLITTER = re.compile(
    # "and" splits only before a new subject ("... and my team checks it"), not in a list
    # ("trial and error", "leaks and holes").
    r"\s*(?:[.;!?:]+(?:\s+|$)|\s[-\u2013\u2014]+\s|,|\(|\)|"
    r"\band\b(?=\s+(?:i|we|you|they|he|she|it|my|our|their|his|her|the|a|an|this|that|these|"
    r"those|then|also|still|everyone|everybody|nobody|someone|people|each|every)\b)|"
    r"\bbut\b|\bhowever\b|"
    r"\byet\b|\bor\b|\bso\b(?!\s+(?:far|much|many|long|that|to|on)\b)|\btherefore\b|"
    r"\bin short\b|\bbottom line\b|\bwhereas\b|\bwhile\b|\bwhilst\b|\balthough\b|"
    r"\bthough\b|\bthen\b|\bplus\b|\bside by side with\b|\balongside\b|\btogether with\b|"
    r"\bpaired (?:up )?with\b|\bteamed (?:up )?with\b|\bwith help from\b)\s*",
    re.IGNORECASE,
)
_MAX_CLAUSES = 12
_SHORT_PIECE = 4
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class Clause:
    text: str
    weight: float
    conceded: bool = False
    alternative: bool = False  # "X or Y": offered as another choice than the clause before
    start: int = 0  # where the clause is in `normalise(answer)`
    end: int = 0


@dataclass(frozen=True)
class _Piece:
    connective: str  # the connective words before it, lower case ("" for none)
    start: int
    end: int


def split_clauses(text: str) -> tuple[Clause, ...]:
    """The clauses of `text` with their weights (1.0 for main clauses) and their places in
    `normalise(text)`. Never empty; connectives are kept out of the clause texts."""
    plain = normalise(text)
    pieces: list[_Piece] = []
    position, connective = 0, ""
    for match in _SPLITTER.finditer(plain):
        _add_piece(pieces, plain, connective, position, match.start())
        if pieces and pieces[-1].end > position:
            connective = ""
        connective = (connective + " " + match.group(0).strip(" ,").lower()).strip()
        position = match.end()
    _add_piece(pieces, plain, connective, position, len(plain))
    merged = _keep_negation_together(plain, pieces)[:_MAX_CLAUSES]
    return tuple(_weigh(plain, merged))


def _add_piece(pieces: list[_Piece], plain: str, connective: str, start: int, end: int) -> None:
    """Add plain[start:end] without its surrounding spaces, unless nothing is left of it."""
    while start < end and plain[start].isspace():
        start += 1
    while end > start and plain[end - 1].isspace():
        end -= 1
    if end > start:
        pieces.append(_Piece(connective, start, end))


def _keep_negation_together(plain: str, pieces: list[_Piece]) -> list[_Piece]:
    """ "We don't wait for policies or approvals": a short piece joined by and/or/nor to a
    negated one is still under that negation, so it stays in the same clause."""
    merged: list[_Piece] = []
    for piece in pieces:
        words = _WORD.findall(plain[piece.start : piece.end].lower())
        if (
            merged
            and piece.connective in ("and", "or", "nor")
            and len(words) <= _SHORT_PIECE
            and NEGATORS.isdisjoint(words)
            and not NEGATORS.isdisjoint(
                _WORD.findall(plain[merged[-1].start : merged[-1].end].lower())
            )
        ):
            merged[-1] = _Piece(merged[-1].connective, merged[-1].start, piece.end)
        else:
            merged.append(piece)
    return merged


def _weigh(plain: str, pieces: list[_Piece]) -> list[Clause]:
    weights = [1.0] * len(pieces)
    for i, piece in enumerate(pieces):
        if _has(piece.connective, _CONTRAST_AFTER + _CONCLUSION):
            # "X, but Y": the last contrast wins, everything before it is conceded.
            weights[:i] = [CONCEDED_WEIGHT] * i
        elif _has(piece.connective, _CONCESSIVE_START) and len(pieces) > 1:
            # "although X, Y" and "Y, although X" both concede X.
            weights[i] = CONCEDED_WEIGHT
    clauses = [
        Clause(
            plain[piece.start : piece.end],
            weight,
            conceded=weight < 1.0,
            alternative=_has(piece.connective, ("or",)),
            start=piece.start,
            end=piece.end,
        )
        for piece, weight in zip(pieces, weights, strict=True)
    ]
    return clauses or [Clause("", 1.0)]


@lru_cache(maxsize=64)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b")


def _has(connective: str, words: tuple[str, ...]) -> bool:
    return bool(connective) and bool(_pattern(words).search(connective))


def names_both_sides(text: str) -> bool:
    """Does the answer present two sides or two steps ("first ..., then ...", "both", "one
    side ... the other")? Then a "but" between them joins rather than concedes."""
    lowered = normalise(text).lower()
    return bool(_BOTH_SIDES.search(lowered))
