"""Openings of a recurring pulse: computed from the first, at its wall-clock time in the
launcher's timezone, across month ends and daylight saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pulse.cadence import known_zone, next_occurrence, occurrence, zone
from storage.series import Cadence

PARIS = "Europe/Paris"


def local(when: datetime, name: str = PARIS) -> datetime:
    return when.astimezone(ZoneInfo(name))


def test_weekly_openings_keep_the_local_time_across_daylight_saving() -> None:
    # Monday 2 March 2026, 9:00 in Paris (UTC+1); summer time starts on 29 March (UTC+2).
    first = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    openings = [occurrence(first, PARIS, Cadence.WEEKLY, n) for n in range(6)]

    assert [local(o).strftime("%a %d %H:%M") for o in openings] == [
        "Mon 02 09:00",
        "Mon 09 09:00",
        "Mon 16 09:00",
        "Mon 23 09:00",
        "Mon 30 09:00",
        "Mon 06 09:00",
    ]
    assert openings[4] - openings[3] == timedelta(days=7, hours=-1)  # the hour summer takes


def test_monthly_openings_count_from_the_first_and_clamp_to_short_months() -> None:
    first = datetime(2026, 1, 31, 14, 30, tzinfo=UTC)  # 15:30 in Paris
    days = [local(occurrence(first, PARIS, Cadence.MONTHLY, n)).day for n in range(6)]
    assert days == [31, 28, 31, 30, 31, 30]  # never drifts to the 28th for good
    assert all(
        local(occurrence(first, PARIS, Cadence.MONTHLY, n)).strftime("%H:%M") == "15:30"
        for n in range(12)
    )


def test_every_two_weeks_and_across_a_year_end() -> None:
    first = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
    assert occurrence(first, "UTC", Cadence.BIWEEKLY, 1) == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert occurrence(first, "UTC", Cadence.MONTHLY, 1) == datetime(2027, 1, 21, 9, 0, tzinfo=UTC)


def test_an_unknown_timezone_runs_in_utc() -> None:
    assert not known_zone("Mars/Olympus_Mons")
    assert not known_zone("../etc/passwd")
    assert not known_zone("/etc/passwd")
    assert not known_zone("Europe/Paris\x00")
    assert not known_zone("a" * 5000)  # would be a file name too long for the system
    assert not known_zone("é" * 20)
    assert not known_zone("")
    assert known_zone(PARIS)
    assert zone("Mars/Olympus_Mons") == ZoneInfo("UTC")


def test_next_occurrence_is_the_first_after_a_moment() -> None:
    first = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    n, at = next_occurrence(first, "UTC", Cadence.WEEKLY, datetime(2026, 3, 1, tzinfo=UTC))
    assert (n, at) == (8, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    # Exactly at an opening: the next one.
    assert next_occurrence(first, "UTC", Cadence.WEEKLY, at)[0] == 9
    # Never before `at_least`.
    assert next_occurrence(first, "UTC", Cadence.WEEKLY, first, at_least=20)[0] == 20
    with pytest.raises(ValueError, match="count from 0"):
        occurrence(first, "UTC", Cadence.WEEKLY, -1)


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    after_days=st.integers(min_value=-40, max_value=3000),
    cadence=st.sampled_from(list(Cadence)),
    place=st.sampled_from([PARIS, "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
)
def test_next_occurrence_agrees_with_walking_every_opening(
    start: datetime, after_days: int, cadence: Cadence, place: str
) -> None:
    after = start + timedelta(days=after_days, hours=5)
    n, at = next_occurrence(start, place, cadence, after)
    assert at == occurrence(start, place, cadence, n)
    assert at > after
    assert n == 0 or occurrence(start, place, cadence, n - 1) <= after
