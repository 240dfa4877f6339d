"""Reading `@bot pulse ...`: what to do with the channel's pulse survey, and with which options.

    pulse                          launch, closing in 3 days, results from 5 answers
    pulse 5 days | pulse 12 hours  another duration (whole hours or days)
    pulse threshold 7              another anonymity threshold (never below 3: the service checks)
    pulse remind                   one reminder before the deadline
    pulse 2 days threshold 6 remind   ...combined, in any order
    pulse monthly | weekly | every two weeks   a recurring pulse: a round each period, each
                                   round open for the duration (default 3 days)
    pulse series                   the channel's recurring pulses, numbered
    pulse pause | resume | stop [N]  one of them (N from `pulse series`; alone, the only one)
    pulse trend                    the latest round's trend again
    pulse compare                  your own diagnostic next to the team's latest results
    pulse close | results | export | help

A mistake raises PulseUsage, whose message (from `bot.views.catalogue`) says what to write
instead. Ranges (threshold 3 and up, at most 90 days) are the service's to check, so every
platform gets the same rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.pulse.service import DEFAULT_THRESHOLD, LONGEST_DURATION
from bot.views import catalogue
from storage.series import Cadence

PulseAction = Literal[
    "launch",
    "close",
    "results",
    "export",
    "help",
    "series",
    "pause",
    "resume",
    "stop",
    "trend",
    "compare",
]

KEYWORD = "pulse"
_ACTIONS: dict[str, PulseAction] = {
    "close": "close",
    "results": "results",
    "result": "results",
    "export": "export",
    "help": "help",
    "series": "series",
    "trend": "trend",
    "trends": "trend",
    "compare": "compare",
}
# Actions on one recurring pulse, which take its number from `pulse series` (or none).
_SERIES_ACTIONS: dict[str, PulseAction] = {
    "pause": "pause",
    "resume": "resume",
    "stop": "stop",
}
_CADENCES = {
    "weekly": Cadence.WEEKLY,
    "biweekly": Cadence.BIWEEKLY,
    "fortnightly": Cadence.BIWEEKLY,
    "monthly": Cadence.MONTHLY,
}
_UNITS = {
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
}
_NUMBER_AND_UNIT = re.compile(r"(\d+)([a-z]+)")
_NUMBER = re.compile(r"\d+")
_THRESHOLD_WORDS = frozenset({"threshold", "thresh"})
_REMIND_WORDS = frozenset({"remind", "reminder"})
_SKIPPED = frozenset({"and", "with", "for"})
# Longer than any survey may run, so a huge number never reaches timedelta (OverflowError).
_MAX_DIGITS = 6


class PulseUsage(ValueError):
    """The text is not a pulse command we understand; the message says what to write."""


@dataclass(frozen=True)
class PulseRequest:
    action: PulseAction
    duration: timedelta | None = None  # None: the service's default
    threshold: int = DEFAULT_THRESHOLD
    remind: bool = False
    cadence: Cadence | None = None  # a recurring pulse
    series_number: int | None = None  # pause/resume/stop: which of `pulse series`


def is_pulse(text: str) -> bool:
    """The text (the bot's mention removed) is a pulse command."""
    words = text.lower().split(maxsplit=1)
    return bool(words) and words[0].strip(".!?:,") == KEYWORD


def parse_pulse(text: str) -> PulseRequest:
    """The request in `text` ("pulse ..."), or PulseUsage saying what to write."""
    words = [word for word in _words(text) if word not in _SKIPPED]
    if not words or words[0] != KEYWORD:
        raise PulseUsage(catalogue.PULSE_USAGE)
    options = words[1:]
    if len(options) == 1 and options[0] in _ACTIONS:
        return PulseRequest(_ACTIONS[options[0]])
    if options and options[0] in _SERIES_ACTIONS:
        return _series_action(options)
    return _launch(_joined_cadence(options))


def _series_action(options: list[str]) -> PulseRequest:
    action = _SERIES_ACTIONS[options[0]]
    rest = [word for word in options[1:] if word not in ("series", "number", "no", "#")]
    if not rest:
        return PulseRequest(action)
    number = rest[0].lstrip("#")
    if len(rest) > 1 or not _NUMBER.fullmatch(number) or len(number) > _MAX_DIGITS:
        raise PulseUsage(catalogue.pulse_series_number(options[0]))
    return PulseRequest(action, series_number=int(number))


def _joined_cadence(options: list[str]) -> list[str]:
    """ "every two weeks", "every 2 weeks", "every week", "every month" as one word."""
    joined: list[str] = []
    index = 0
    while index < len(options):
        word = options[index]
        if word == "every" and index + 1 < len(options):
            following = options[index + 1 : index + 3]
            if following[:1] in (["week"], ["month"]):
                joined.append("weekly" if following[0] == "week" else "monthly")
                index += 2
                continue
            if following in (["two", "weeks"], ["2", "weeks"], ["other", "week"]):
                joined.append("biweekly")
                index += 3
                continue
        joined.append(word)
        index += 1
    return joined


def _words(text: str) -> list[str]:
    spaced = text.lower().replace("=", " ").replace(":", " ").replace(",", " ")
    return [word.strip(".!?;") for word in spaced.split() if word.strip(".!?;")]


def _launch(options: list[str]) -> PulseRequest:
    duration: timedelta | None = None
    threshold: int | None = None
    remind = False
    cadence: Cadence | None = None
    index = 0
    while index < len(options):
        word = options[index]
        following = options[index + 1] if index + 1 < len(options) else ""
        if word in _ACTIONS:
            raise PulseUsage(catalogue.pulse_takes_nothing_else(word))
        if word in _REMIND_WORDS:
            remind = True
            index += 1
        elif word in _CADENCES:
            if cadence is not None:
                raise PulseUsage(catalogue.PULSE_CADENCE_TWICE)
            cadence = _CADENCES[word]
            index += 1
        elif word in _THRESHOLD_WORDS:
            if threshold is not None:
                raise PulseUsage(catalogue.PULSE_THRESHOLD_TWICE)
            threshold = _whole_number(following, catalogue.PULSE_BAD_THRESHOLD)
            index += 2
        elif (joined := _NUMBER_AND_UNIT.fullmatch(word)) or _NUMBER.fullmatch(word):
            if duration is not None:
                raise PulseUsage(catalogue.PULSE_DURATION_TWICE)
            number, unit = joined.groups() if joined else (word, following)
            duration = _duration(number, unit)
            index += 1 if joined else 2
        else:
            raise PulseUsage(catalogue.pulse_not_understood(word[:40]))
    return PulseRequest(
        "launch",
        duration=duration,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        remind=remind,
        cadence=cadence,
    )


def _whole_number(word: str, problem: str) -> int:
    if not _NUMBER.fullmatch(word) or len(word) > _MAX_DIGITS:
        raise PulseUsage(problem)
    return int(word)


def _duration(number: str, unit: str) -> timedelta:
    if unit not in _UNITS:
        raise PulseUsage(catalogue.pulse_duration_unit(number[:6]))
    longest = catalogue.pulse_duration_range(LONGEST_DURATION.days)
    amount = _whole_number(number, longest)
    duration = timedelta(**{_UNITS[unit]: amount})
    if not timedelta(hours=1) <= duration <= LONGEST_DURATION:
        raise PulseUsage(longest)
    return duration
