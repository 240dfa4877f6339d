"""Lengths of time in free text, in days: "eighteen months", "6-8 weeks", "a couple of years".

An answer about a time horizon means its length, not its unit: "eighteen months" is a year or
more even though it says "months". Options declare the range of days they stand for
(`days: {min: 270}`) and the matcher compares the lengths it finds here with those ranges.
"""

from __future__ import annotations

import re

from bot.engine.text import normalise

_UNIT_DAYS = {
    "day": 1, "days": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7,
    "sprint": 14, "sprints": 14,
    "month": 30, "months": 30, "mo": 30, "mos": 30,
    "quarter": 91, "quarters": 91,
    "year": 365, "years": 365, "yr": 365, "yrs": 365,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1.0, "an": 1.0, "one": 1.0, "single": 1.0, "two": 2.0, "three": 3.0, "four": 4.0,
    "five": 5.0, "six": 6.0, "seven": 7.0, "eight": 8.0, "nine": 9.0, "ten": 10.0,
    "eleven": 11.0, "twelve": 12.0, "fifteen": 15.0, "eighteen": 18.0, "twenty": 20.0,
    "thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "ninety": 90.0,
    "hundred": 100.0, "couple": 2.0, "few": 3.0, "several": 4.0, "half": 0.5, "dozen": 12.0,
}  # fmt: skip
# Plural units without a number: "it takes years", "give it months".
_BARE_PLURAL = {"days": 3.0, "weeks": 3.0, "months": 4.0, "quarters": 3.0, "years": 2.0}
_MULTI = {"multi-year": 730.0, "multiyear": 730.0, "multi year": 730.0}

_NUMBER = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(" + "|".join(sorted(_UNIT_DAYS, key=len, reverse=True)) + r")"
_LENGTH = re.compile(
    _NUMBER
    + r"(?:\s*(?:-|to|or)\s*"
    + _NUMBER
    + r")?(?:\s+of)?(?:\s+(?:and\s+a\s+half|more|or\s+so|odd))?\s*(?:-\s*)?"
    + _UNIT
    + r"\b(?:\s+and\s+a\s+half)?",
    re.IGNORECASE,
)
_BARE = re.compile(r"\b(" + "|".join(_BARE_PLURAL) + r")\b", re.IGNORECASE)
_ANY_UNIT = re.compile(r"(?:day|week|wk|sprint|month|mo|quarter|year|yr)", re.IGNORECASE)
_HALF_A = re.compile(r"\bhalf\s+an?\s+", re.IGNORECASE)
_MULTI_RE = re.compile(r"\bmulti[- ]?year\b", re.IGNORECASE)


def lengths_in_days(text: str) -> tuple[float, ...]:
    """Every length of time `text` names, in days, in order of appearance."""
    if not _ANY_UNIT.search(text):
        return ()  # most answers name no length: skip the long patterns
    plain = _HALF_A.sub("0.5 ", normalise(text).lower())  # "half a year"
    found: list[tuple[int, float]] = []
    taken: list[tuple[int, int]] = []
    for match in _LENGTH.finditer(plain):
        first, second, unit = match.group(1), match.group(2), match.group(3)
        count = _number(first)
        if second is not None:
            count = (count + _number(second)) / 2  # "6-8 weeks": the middle of the range
        if "and a half" in match.group(0):
            count += 0.5
        found.append((match.start(), count * _UNIT_DAYS[unit]))
        taken.append(match.span())
    for match in _MULTI_RE.finditer(plain):
        found.append((match.start(), _MULTI["multi-year"]))
        taken.append(match.span())
    for match in _BARE.finditer(plain):
        if not any(start <= match.start() < end for start, end in taken):
            word = match.group(1)
            found.append((match.start(), _BARE_PLURAL[word] * _UNIT_DAYS[word]))
    return tuple(days for _, days in sorted(found))


def _number(word: str) -> float:
    if word[0].isdigit():
        return float(word)
    return _NUMBER_WORDS[word]
