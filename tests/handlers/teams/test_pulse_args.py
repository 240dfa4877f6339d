"""`@bot pulse ...`: the words people write, read into a request, and every mistake answered
with what to write instead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.teams.pulse_args import PulseRequest, PulseUsage, is_pulse, parse_pulse
from bot.views.catalogue import PULSE_USAGE as USAGE
from storage.series import Cadence


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("pulse", PulseRequest("launch")),
        ("Pulse.", PulseRequest("launch")),
        ("pulse 5 days", PulseRequest("launch", duration=timedelta(days=5))),
        ("pulse 1 day", PulseRequest("launch", duration=timedelta(days=1))),
        ("pulse 12 hours", PulseRequest("launch", duration=timedelta(hours=12))),
        ("pulse 12h", PulseRequest("launch", duration=timedelta(hours=12))),
        ("pulse 2d", PulseRequest("launch", duration=timedelta(days=2))),
        ("pulse threshold 7", PulseRequest("launch", threshold=7)),
        ("pulse threshold=8", PulseRequest("launch", threshold=8)),
        ("pulse remind", PulseRequest("launch", remind=True)),
        (
            "pulse 2 days, threshold 6 and remind",
            PulseRequest("launch", duration=timedelta(days=2), threshold=6, remind=True),
        ),
        (
            "PULSE remind threshold 9 36 hours",
            PulseRequest("launch", duration=timedelta(hours=36), threshold=9, remind=True),
        ),
        ("pulse threshold 2", PulseRequest("launch", threshold=2)),  # the service refuses it
        ("pulse close", PulseRequest("close")),
        ("pulse results", PulseRequest("results")),
        ("pulse export", PulseRequest("export")),
        ("pulse help", PulseRequest("help")),
    ],
)
def test_requests(text: str, request_: PulseRequest) -> None:
    assert is_pulse(text)
    assert parse_pulse(text) == request_


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("pulse 5", "Write hours or days, e.g. “pulse 5 days”"),
        ("pulse 5 weeks", "Write hours or days"),
        ("pulse 3 minutes", "Write hours or days"),
        ("pulse 0 hours", "at least 1 hour"),
        ("pulse 91 days", "at most 90 days"),
        ("pulse 99999999999999999999 days", "at most 90 days"),
        ("pulse 1.5 days", "didn't understand “1.5”"),
        ("pulse 2 days 3 days", "Give the duration once"),
        ("pulse threshold", "whole number"),
        ("pulse threshold seven", "whole number"),
        ("pulse threshold -3", "whole number"),
        ("pulse threshold 5 threshold 6", "Give the threshold once"),
        ("pulse close now", "“pulse close” takes nothing else"),
        ("pulse 2 days close", "“pulse close” takes nothing else"),
        ("pulse please", "didn't understand “please”"),
    ],
)
def test_mistakes_say_what_to_write(text: str, says: str) -> None:
    with pytest.raises(PulseUsage) as raised:
        parse_pulse(text)
    assert says in str(raised.value)


def test_the_usage_shows_every_form() -> None:
    for example in ("pulse 5 days", "pulse 12 hours", "pulse threshold 7", "pulse remind"):
        assert f"“{example}”" in USAGE
    for command in ("close", "results", "export"):
        assert f"“pulse {command}”" in USAGE


@pytest.mark.parametrize("text", ["", "pulses", "impulse", "who owns the pulse?", "help"])
def test_other_text_is_not_a_pulse_command(text: str) -> None:
    assert not is_pulse(text)


@given(st.text(max_size=200))
def test_any_text_is_a_request_or_a_usage_message(tail: str) -> None:
    try:
        request = parse_pulse("pulse " + tail)
    except PulseUsage as usage:
        message = str(usage)
    else:
        duration = request.duration or timedelta(days=3)
        assert timedelta(hours=1) <= duration <= timedelta(days=90)
        return
    assert message.strip()


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("pulse monthly", PulseRequest("launch", cadence=Cadence.MONTHLY)),
        (
            "pulse weekly 2 days",
            PulseRequest("launch", duration=timedelta(days=2), cadence=Cadence.WEEKLY),
        ),
        ("pulse every two weeks", PulseRequest("launch", cadence=Cadence.BIWEEKLY)),
        (
            "pulse every 2 weeks remind",
            PulseRequest("launch", remind=True, cadence=Cadence.BIWEEKLY),
        ),
        ("pulse fortnightly", PulseRequest("launch", cadence=Cadence.BIWEEKLY)),
        (
            "pulse every month threshold 4",
            PulseRequest("launch", threshold=4, cadence=Cadence.MONTHLY),
        ),
        ("pulse series", PulseRequest("series")),
        ("pulse trend", PulseRequest("trend")),
        ("pulse compare", PulseRequest("compare")),
        ("pulse pause", PulseRequest("pause")),
        ("pulse pause 2", PulseRequest("pause", series_number=2)),
        ("pulse resume #3", PulseRequest("resume", series_number=3)),
        ("pulse stop series 1", PulseRequest("stop", series_number=1)),
    ],
)
def test_recurring_pulse_requests(text: str, request_: PulseRequest) -> None:
    assert parse_pulse(text) == request_


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("pulse monthly weekly", "how often once"),
        ("pulse pause two", "by its number"),
        ("pulse stop 1 2", "by its number"),
        ("pulse resume 1234567", "by its number"),
    ],
)
def test_recurring_pulse_mistakes_say_what_to_write(text: str, says: str) -> None:
    with pytest.raises(PulseUsage, match=says):
        parse_pulse(text)
