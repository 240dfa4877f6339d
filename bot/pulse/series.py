"""Recurring pulses: starting a series, listing, pausing, resuming and stopping it, opening its
rounds, and the trend of its results.

Each round is an ordinary survey of `PulseService` (its own anonymous respondent keys, its own
close and results); the series only decides when the next one opens (`bot.pulse.cadence`) and
opens it exactly once across processes (`storage.series.SeriesStore.open_round`). The runner
(`bot.pulse.runner`) calls `open_due` on its ticks and posts the round's card.

The launcher is kept on the series sealed (encrypted with a key derived from the survey
secret, `PulseKeys.seal`), to tell them when the series pauses itself: the database does not
name them. Permissions compare launcher keys as for one-off surveys.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.engine.pulse_trend import RoundTally, Trend, pulse_trend
from bot.knowledge.model import Knowledge
from bot.pulse.cadence import known_zone, next_occurrence
from bot.pulse.keys import PulseKeys
from bot.pulse.service import (
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    NotAllowed,
    PulseError,
    reminder_time,
)
from bot.service import utc_now
from bot.views import catalogue
from bot.views.pulse import SeriesView
from storage.pulse import SurveyRecord, SurveyStatus
from storage.series import (
    Cadence,
    PauseReason,
    SeriesRecord,
    SeriesStatus,
    SeriesStore,
    round_length_range,
)

log = logging.getLogger(__name__)

# How long the opener of a round holds the job of posting its card before another process
# may take it over (`SeriesStore.claim_round_card`).
CARD_LEASE = timedelta(minutes=2)
# A round opened this late (all processes down, say) still gets at least this long to answer.
SHORTEST_LATE_ROUND = timedelta(hours=1)
# Series a channel may run at once: more is a mistake (a launch clicked twice a week apart).
MOST_SERIES_PER_CHANNEL = 5
# The rounds a trend shows: two years of a monthly pulse.
TREND_ROUNDS = 24


@dataclass(frozen=True)
class SeriesOptions:
    cadence: Cadence
    round_length: timedelta
    threshold: int
    remind: bool
    timezone: str  # the launcher's (IANA); an unknown one runs the series in UTC
    address: dict[str, Any] = field(default_factory=dict)  # where to post (Teams: reference)


class SeriesService:
    def __init__(
        self,
        store: SeriesStore,
        knowledge: Callable[[], Knowledge],
        keys: PulseKeys,
        admins: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._knowledge = knowledge
        self._keys = keys
        self._admins = admins
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    # --- starting and managing ----------------------------------------------------------------

    async def start(
        self, platform: str, workspace: str, channel: str, launcher: str, options: SeriesOptions
    ) -> SeriesRecord:
        """A new active series whose first round opens now (the caller asks the runner to
        open it at once). PulseError says what to change."""
        # Stored in whole seconds; a length from a date picker has microseconds.
        length = timedelta(seconds=int(options.round_length.total_seconds()))
        check_series(options)
        if not self._knowledge().pulse_questions:
            raise PulseError(catalogue.NO_PULSE_QUESTIONS)
        running = await self._store.channel_series(platform, workspace, channel)
        if len(running) >= MOST_SERIES_PER_CHANNEL:
            raise PulseError(catalogue.too_many_series(MOST_SERIES_PER_CHANNEL))
        now = self._clock()
        series_id = uuid.uuid4().hex
        series = SeriesRecord(
            id=series_id,
            platform=platform,
            workspace=workspace,
            channel=channel,
            launcher=self._keys.seal(launcher, series_id),
            launcher_key=self._keys.launcher(platform, workspace, launcher),
            cadence=options.cadence,
            timezone=options.timezone if known_zone(options.timezone) else "UTC",
            starts_at=now,
            round_length=length,
            threshold=options.threshold,
            remind=options.remind,
            created_at=now,
            next_open_at=now,
            address=dict(options.address),
        )
        await self._store.create_series(series)
        log.info("pulse series started series=%s platform=%s", series.id, platform)
        return series

    async def channel(self, platform: str, workspace: str, channel: str) -> list[SeriesRecord]:
        """The channel's series that are not stopped, oldest first (`pulse series` numbers)."""
        return await self._store.channel_series(platform, workspace, channel)

    async def load(self, series_id: str) -> SeriesRecord | None:
        return await self._store.load_series(series_id)

    def may_manage(self, series: SeriesRecord, user: str, *, admin: bool) -> bool:
        if admin or user in self._admins:
            return True
        return self._keys.launcher(series.platform, series.workspace, user) == series.launcher_key

    async def pause(self, series: SeriesRecord, user: str, *, admin: bool) -> SeriesRecord:
        self._check_may(series, user, admin)
        changed = await self._store.set_series_status(
            series.id, SeriesStatus.PAUSED, reason=PauseReason.BY_PERSON
        )
        return self._changed(changed, series, "paused")

    async def resume(self, series: SeriesRecord, user: str, *, admin: bool) -> SeriesRecord:
        """Active again: the next opening is the first one still ahead (the ones missed while
        paused are skipped, not caught up)."""
        self._check_may(series, user, admin)
        n, at = next_occurrence(
            series.starts_at,
            series.timezone,
            series.cadence,
            self._clock(),
            at_least=series.next_occurrence,
        )
        changed = await self._store.set_series_status(
            series.id, SeriesStatus.ACTIVE, next_occurrence=n, next_open_at=at
        )
        return self._changed(changed, series, "resumed")

    async def stop(self, series: SeriesRecord, user: str, *, admin: bool) -> SeriesRecord:
        """No more rounds; a round that is open runs to its deadline."""
        self._check_may(series, user, admin)
        changed = await self._store.set_series_status(series.id, SeriesStatus.STOPPED)
        return self._changed(changed, series, "stopped")

    async def pick(
        self, platform: str, workspace: str, channel: str, number: int | None
    ) -> tuple[int, SeriesRecord]:
        """The channel's series numbered `number` in `pulse series` (None: the only one), with
        its number; PulseError saying what to write otherwise."""
        listed = await self.channel(platform, workspace, channel)
        if not listed:
            raise PulseError(catalogue.NO_SERIES)
        if number is None:
            if len(listed) > 1:
                raise PulseError(catalogue.SERIES_PICK_ONE)
            return 1, listed[0]
        if not 1 <= number <= len(listed):
            raise PulseError(catalogue.no_such_series(len(listed)))
        return number, listed[number - 1]

    def views(self, listed: list[SeriesRecord], user: str) -> list[SeriesView]:
        """The channel's series as `pulse series` shows them to `user`."""
        return [
            SeriesView(
                number=number,
                cadence=cadence_name(series.cadence),
                round_length=series.round_length,
                threshold=series.threshold,
                next_open_at=series.next_open_at,
                rounds=series.next_round - 1,
                status=series.status.value,
                paused_by_channel=series.paused_reason is PauseReason.CANNOT_POST,
                yours=self._keys.launcher(series.platform, series.workspace, user)
                == series.launcher_key,
            )
            for number, series in enumerate(listed, start=1)
        ]

    def _check_may(self, series: SeriesRecord, user: str, admin: bool) -> None:
        if not self.may_manage(series, user, admin=admin):
            raise NotAllowed(catalogue.NOT_YOURS_SERIES)

    def _changed(
        self, changed: SeriesRecord | None, series: SeriesRecord, what: str
    ) -> SeriesRecord:
        if changed is None:
            raise PulseError(catalogue.series_already(series.status.value))
        log.info("pulse series %s series=%s", what, series.id)
        return changed

    # --- rounds -------------------------------------------------------------------------------

    async def due(self, limit: int = 100) -> list[SeriesRecord]:
        return await self._store.series_due(self._clock(), limit)

    async def open_due(self, series: SeriesRecord) -> SurveyRecord | None:
        """Open the series' next round if it is due and no other process did: the round's
        survey, whose card the caller now holds the job of posting; None otherwise."""
        now = self._clock()
        if series.status is not SeriesStatus.ACTIVE or series.next_open_at > now:
            return None
        knowledge = self._knowledge()
        questions = knowledge.pulse_questions
        if not questions:
            log.warning("pulse round not opened: no pulse questions series=%s", series.id)
            return None
        deadline = series.next_open_at + series.round_length
        if deadline - now < SHORTEST_LATE_ROUND:
            deadline = now + series.round_length  # opened late: a whole round from now
        # The next opening comes after this round's deadline, so rounds never overlap.
        n, next_at = next_occurrence(
            series.starts_at,
            series.timezone,
            series.cadence,
            deadline - timedelta(microseconds=1),
            at_least=series.next_occurrence + 1,
        )
        survey = SurveyRecord(
            id=uuid.uuid4().hex,
            platform=series.platform,
            workspace=series.workspace,
            channel=series.channel,
            launcher_key=series.launcher_key,
            question_ids=tuple(question.id for question in questions),
            knowledge_version=knowledge.version,
            threshold=series.threshold,
            created_at=now,
            deadline=deadline,
            remind_at=reminder_time(now, deadline) if series.remind else None,
            series_id=series.id,
            round_number=series.next_round,
        )
        opened = await self._store.open_round(
            series.id, series.next_round, survey, n, next_at, now + CARD_LEASE
        )
        if not opened:
            return None
        log.info(
            "pulse round opened series=%s round=%d survey=%s",
            series.id,
            series.next_round,
            survey.id,
        )
        return survey

    async def claim_card(self, survey: SurveyRecord) -> bool:
        """Take over posting a round's card whose opener's claim ran out."""
        now = self._clock()
        return await self._store.claim_round_card(survey.id, now, now + CARD_LEASE)

    def launcher(self, series: SeriesRecord) -> str | None:
        """The launcher's user id, to tell them privately; None once they were forgotten."""
        return self._keys.unseal(series.launcher, series.id)

    async def cannot_post(self, survey: SurveyRecord) -> SeriesRecord | None:
        """The round's card could not be posted for good (the bot left the channel): the round
        is taken back and its series paused; the paused series, to tell its launcher."""
        paused = await self._store.unopen_round(survey.id, PauseReason.CANNOT_POST)
        if paused is not None:
            log.warning("pulse series paused: cannot post series=%s", paused.id)
        return paused

    # --- trends -------------------------------------------------------------------------------

    async def trend(self, survey: SurveyRecord) -> Trend | None:
        """The trend of a closed round's series up to that round (None outside a series)."""
        if survey.series_id is None or survey.round_number is None:
            return None
        rounds = await self._store.series_rounds(survey.series_id, TREND_ROUNDS + 1)
        closed = [
            tally_of(r)
            for r in rounds
            if r.status is SurveyStatus.CLOSED
            and r.tally is not None
            and r.round_number is not None
            and r.round_number <= survey.round_number
        ]
        if not closed:
            return None
        return pulse_trend(closed[:TREND_ROUNDS], self._knowledge())


def tally_of(survey: SurveyRecord) -> RoundTally:
    """A closed round as the trend reads it: its stored tally, never its responses."""
    assert survey.tally is not None
    assert survey.round_number is not None
    return RoundTally(
        number=survey.round_number,
        closed_at=survey.closed_at or survey.deadline,
        respondents=survey.tally.respondents,
        threshold=survey.threshold,
        counts=survey.tally.counts,
        question_ids=survey.question_ids,
    )


def check_series(options: SeriesOptions) -> None:
    """PulseError saying what to change."""
    if not MIN_THRESHOLD <= options.threshold <= MAX_THRESHOLD:
        raise PulseError(catalogue.threshold_out_of_range(MIN_THRESHOLD, MAX_THRESHOLD))
    shortest, longest = round_length_range(options.cadence)
    if not shortest <= options.round_length <= longest:
        raise PulseError(catalogue.round_length_range(cadence_name(options.cadence), longest.days))


def cadence_name(cadence: Cadence) -> str:
    return {
        Cadence.WEEKLY: catalogue.CADENCE_WEEKLY,
        Cadence.BIWEEKLY: catalogue.CADENCE_BIWEEKLY,
        Cadence.MONTHLY: catalogue.CADENCE_MONTHLY,
    }[cadence]
