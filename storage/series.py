"""The storage interface of recurring pulse surveys (`bot/pulse/series.py`), and its records.

A *series* is a pulse that runs on its own: every week, two weeks or month it opens a new
*round*, which is an ordinary survey (`storage.pulse.SurveyRecord`) carrying the series id and
its round number. Rounds are separate surveys on purpose: a respondent key is a keyed hash of
the survey, so nothing links one person's answers across rounds.

Exactly-once across processes: a round is opened by one transaction that advances the
series (a conditional UPDATE on the round number it expects, which one caller wins) and
inserts the round's survey; `surveys` also has a unique (series, round) pair, so even a bug in
the claim could not open a round twice. Posting a round's card is claimed the same way
(`claim_round_card`), and a process that dies after opening a round leaves its card to the
next process's tick.

The launcher is kept twice: as the launcher key of its surveys (a keyed hash, for permissions)
and sealed (encrypted by the application with a key derived from its survey secret), because a
series that can no longer post in its channel must tell its launcher, which needs an address.
Without the secret the database names nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from storage.pulse import SurveyRecord

SERIES_ID_LENGTH = 32  # uuid4().hex
MEMBER_KEY_LENGTH = 64  # hex of an HMAC-SHA256
TIMEZONE_LENGTH = 64  # IANA names are at most about 30 characters


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class SeriesStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class PauseReason(StrEnum):
    BY_PERSON = "by_person"  # the launcher or an admin paused it
    CANNOT_POST = "cannot_post"  # the bot can no longer post in the channel


@dataclass(frozen=True)
class SeriesRecord:
    """A series as stored.

    `starts_at` is the first round's opening, the anchor every later opening is computed from
    in `timezone` (the launcher's, an IANA name) so that "monthly at 9:00" stays at 9:00 across
    daylight saving changes. `next_occurrence` counts openings from the anchor (0 is the
    first); `next_round` is the number the next round will carry (rounds skipped while the
    series was paused are not numbered). `next_open_at` is that opening in UTC, what the
    due query selects on.
    """

    id: str
    platform: str
    workspace: str
    channel: str
    launcher: str  # their user id, sealed (`bot.pulse.keys.PulseKeys.seal`): to tell them
    launcher_key: str  # the survey launcher key of the same person (`bot.pulse.keys`)
    cadence: Cadence
    timezone: str
    starts_at: datetime
    round_length: timedelta
    threshold: int
    remind: bool
    created_at: datetime
    next_open_at: datetime
    # Where to post its rounds, in the platform's terms (Teams: the channel's conversation
    # reference, without any person in it; Slack needs only the channel id).
    address: dict[str, Any] = field(default_factory=dict)
    next_occurrence: int = 0
    next_round: int = 1
    status: SeriesStatus = SeriesStatus.ACTIVE
    paused_reason: PauseReason | None = None


class SeriesStore(Protocol):
    """What the series service and the runner need from storage: the same rules as
    `PulseStore` (one transaction per call, aware timestamps, forged ids answered as unknown,
    ValueError naming the argument for a caller's mistake)."""

    async def create_series(self, series: SeriesRecord) -> None:
        """Store a new active series. ValueError for a malformed record (ids, keys, lengths,
        a round length that is not positive, a threshold below 1, naive times, a status other
        than active)."""
        ...

    async def load_series(self, series_id: str) -> SeriesRecord | None: ...

    async def channel_series(
        self, platform: str, workspace: str, channel: str, *, include_stopped: bool = False
    ) -> list[SeriesRecord]:
        """A channel's series, oldest first (the order `pulse series` numbers them in)."""
        ...

    async def series_due(self, now: datetime, limit: int = 100) -> list[SeriesRecord]:
        """Active series whose next opening is at or before `now`, earliest first."""
        ...

    async def open_round(
        self,
        series_id: str,
        expected_round: int,
        survey: SurveyRecord,
        next_occurrence: int,
        next_open_at: datetime,
        card_until: datetime,
    ) -> bool:
        """Open round `expected_round` as `survey` (whose series id and round number must say
        so) and move the series on to `next_occurrence` at `next_open_at`, in one transaction:
        True for exactly one caller, while the series is active and still expects that round.
        The caller holds the job of posting the round's card until `card_until` (see
        `claim_round_card`). ValueError for a survey that does not belong to the round, or is
        malformed."""
        ...

    async def claim_round_card(self, survey_id: str, now: datetime, until: datetime) -> bool:
        """Take over the job of posting an open round's card from an opener whose claim ran
        out (it died, or its post failed): True for one caller while the card is not posted
        (`PulseStore.set_survey_message` ends the job) and no claim runs."""
        ...

    async def unopen_round(self, survey_id: str, reason: PauseReason) -> SeriesRecord | None:
        """The round's card could not be posted: delete its survey (nobody saw it), give its
        number back, and pause its series with `reason`, in one transaction. Returns the
        paused series, or None when there was no such round."""
        ...

    async def set_series_status(
        self,
        series_id: str,
        status: SeriesStatus,
        *,
        reason: PauseReason | None = None,
        next_occurrence: int | None = None,
        next_open_at: datetime | None = None,
    ) -> SeriesRecord | None:
        """Pause (with a reason), resume (with the next opening) or stop a series; a stopped
        series stays stopped. Returns the changed series, or None when nothing changed."""
        ...

    async def series_rounds(self, series_id: str, limit: int = 24) -> list[SurveyRecord]:
        """The series' newest `limit` rounds, newest first."""
        ...


def round_length_range(cadence: Cadence) -> tuple[timedelta, timedelta]:
    """How long a round may stay open: at least an hour, and over before the next one opens
    (the shortest month has 28 days)."""
    longest = {
        Cadence.WEEKLY: timedelta(days=7),
        Cadence.BIWEEKLY: timedelta(days=14),
        Cadence.MONTHLY: timedelta(days=28),
    }[cadence]
    return timedelta(hours=1), longest
