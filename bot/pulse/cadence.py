"""When the rounds of a recurring pulse open: pure calendar arithmetic in the launcher's timezone.

Openings are counted from the first one (occurrence 0) and computed from it each time, never
from the previous opening, so a monthly series that starts on the 31st opens on the 30th in
April and on the 31st again in May (a chain of "one month later" would drift to the 28th for
good after February). They keep the first opening's wall-clock time in the launcher's timezone
across daylight saving changes: "every Monday at 9:00" stays at 9:00 in Paris, which moves it
by an hour in UTC twice a year. A wall-clock time a change skips (2:30 on the spring-forward
night) resolves the way `zoneinfo` does, to the offset before the change.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.series import TIMEZONE_LENGTH, Cadence

_WEEKS = {Cadence.WEEKLY: 1, Cadence.BIWEEKLY: 2}
# Far more openings than any series lives through, so a search for the next one always ends.
LAST_OCCURRENCE = 100_000


def zone(name: str) -> ZoneInfo:
    """The IANA timezone `name`, or UTC for a name this machine does not know (a platform may
    send one newer than the tz database): the series still runs, an hour or so off."""
    return ZoneInfo(name) if known_zone(name) else ZoneInfo("UTC")


def known_zone(name: str) -> bool:
    """Whether `name` is a timezone of the tz database. The name comes from a platform's
    payload: anything longer than any IANA name is refused before it becomes a file name
    (`ZoneInfo` looks names up as files, and a long one raises OSError, not a lookup error)."""
    if not name or len(name) > TIMEZONE_LENGTH or not name.isascii():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def occurrence(starts_at: datetime, timezone: str, cadence: Cadence, n: int) -> datetime:
    """The `n`th opening (0 is `starts_at` itself), in UTC."""
    if n < 0:
        raise ValueError("occurrences count from 0")
    place = zone(timezone)
    first = starts_at.astimezone(place)
    if cadence is Cadence.MONTHLY:
        day = _months_later(first.date(), n)
    else:
        day = first.date() + timedelta(weeks=_WEEKS[cadence] * n)
    wall = datetime.combine(day, first.timetz().replace(tzinfo=None), tzinfo=place)
    return wall.astimezone(UTC)


def next_occurrence(
    starts_at: datetime, timezone: str, cadence: Cadence, after: datetime, at_least: int = 0
) -> tuple[int, datetime]:
    """The first opening from `at_least` on that is later than `after`: (its number, when)."""
    # A starting guess from the elapsed time, then a short walk: every cadence's period is
    # at least 28 days minus an hour, so the guess is at most a step or two off.
    elapsed = (after - starts_at).total_seconds()
    period = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 28}[cadence] * 86400
    n = max(at_least, int(elapsed // period) - 2 if elapsed > 0 else 0)
    n = max(at_least, min(n, LAST_OCCURRENCE))
    while n > at_least and occurrence(starts_at, timezone, cadence, n - 1) > after:
        n -= 1
    while n < LAST_OCCURRENCE:
        when = occurrence(starts_at, timezone, cadence, n)
        if when > after:
            return n, when
        n += 1
    raise ValueError("no opening left for this series")


def _months_later(first: date, months: int) -> date:
    month_index = first.month - 1 + months
    year, month = first.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(first.day, last_day))
