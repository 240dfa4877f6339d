"""`SeriesStore` and `ReminderStore` in process memory, with the same checks and answers as
`storage.sql.series`. No method awaits, so each call is atomic under one event loop."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from storage.checks.common import aware_utc, checked_count, json_copy
from storage.checks.pulse import checked_survey
from storage.checks.series import (
    checked_member_key,
    checked_occurrence,
    checked_round,
    checked_round_number,
    checked_series,
)
from storage.memory.database import Mark, MemoryDatabase, StoredSurvey
from storage.memory.pulse import card_lease_over, copy_survey, free, reminder_due
from storage.pulse import SurveyRecord, SurveyStatus
from storage.reminders import MarkOutcome
from storage.series import PauseReason, SeriesRecord, SeriesStatus


class MemorySeries:
    """A `SeriesStore` over a `MemoryDatabase`."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    async def create_series(self, series: SeriesRecord) -> None:
        record = checked_series(series)
        if record.id in self._db.series:
            raise ValueError("a series with this id exists already")
        self._db.series[record.id] = record

    async def load_series(self, series_id: str) -> SeriesRecord | None:
        series = self._db.series.get(series_id)
        return None if series is None else _copy(series)

    async def channel_series(
        self, platform: str, workspace: str, channel: str, *, include_stopped: bool = False
    ) -> list[SeriesRecord]:
        found = [
            series
            for series in self._db.series.values()
            if (series.platform, series.workspace, series.channel) == (platform, workspace, channel)
            and (include_stopped or series.status is not SeriesStatus.STOPPED)
        ]
        return [_copy(s) for s in sorted(found, key=lambda series: (series.created_at, series.id))]

    async def series_due(self, now: datetime, limit: int = 100) -> list[SeriesRecord]:
        at = aware_utc(now, "now")
        checked_count(limit)
        due = [
            series
            for series in self._db.series.values()
            if series.status is SeriesStatus.ACTIVE and series.next_open_at <= at
        ]
        due.sort(key=lambda series: (series.next_open_at, series.id))
        return [_copy(series) for series in due[:limit]]

    async def open_round(
        self,
        series_id: str,
        expected_round: int,
        survey: SurveyRecord,
        next_occurrence: int,
        next_open_at: datetime,
        card_until: datetime,
    ) -> bool:
        checked_round_number(expected_round, "expected round")
        checked_occurrence(next_occurrence)
        record = checked_survey(survey)
        checked_round(record, series_id, expected_round)
        next_at = aware_utc(next_open_at, "next_open_at")
        lease = aware_utc(card_until, "card_until")
        series = self._db.series.get(series_id)
        if series is None or series.status is not SeriesStatus.ACTIVE:
            return False
        if series.next_round != expected_round:
            return False
        if record.id in self._db.surveys:
            raise ValueError("a survey with this id exists already")
        self._db.series[series_id] = replace(
            series,
            next_round=expected_round + 1,
            next_occurrence=next_occurrence,
            next_open_at=next_at,
        )
        self._db.surveys[record.id] = StoredSurvey(record, card_claimed_until=lease)
        self._db.responses[record.id] = {}
        return True

    async def claim_round_card(self, survey_id: str, now: datetime, until: datetime) -> bool:
        at = aware_utc(now, "now")
        holds = aware_utc(until, "until")
        if holds <= at:
            raise ValueError("until must be after now")
        stored = self._db.surveys.get(survey_id)
        if stored is None or stored.record.status is not SurveyStatus.OPEN:
            return False
        if not card_lease_over(stored, at):
            return False
        stored.card_claimed_until = holds
        return True

    async def unopen_round(self, survey_id: str, reason: PauseReason) -> SeriesRecord | None:
        paused_reason = PauseReason(reason)
        stored = self._db.surveys.get(survey_id)
        if stored is None or stored.record.series_id is None:
            return None
        series_id, number = stored.record.series_id, stored.record.round_number
        del self._db.surveys[survey_id]
        self._db.responses.pop(survey_id, None)
        self._db.marks.pop(survey_id, None)
        series = self._db.series.get(series_id)
        if series is None:
            return None
        if number is not None and series.next_round == number + 1:
            series = replace(series, next_round=number)
        if series.status is SeriesStatus.ACTIVE:
            series = replace(series, status=SeriesStatus.PAUSED, paused_reason=paused_reason)
        self._db.series[series_id] = series
        return series

    async def set_series_status(
        self,
        series_id: str,
        status: SeriesStatus,
        *,
        reason: PauseReason | None = None,
        next_occurrence: int | None = None,
        next_open_at: datetime | None = None,
    ) -> SeriesRecord | None:
        wanted = SeriesStatus(status)
        series = self._db.series.get(series_id)
        if wanted is SeriesStatus.PAUSED:
            if reason is None:
                raise ValueError("a pause needs its reason")
            if series is None or series.status is not SeriesStatus.ACTIVE:
                return None
            changed = replace(series, status=wanted, paused_reason=PauseReason(reason))
        elif wanted is SeriesStatus.ACTIVE:
            if next_occurrence is None or next_open_at is None:
                raise ValueError("resuming needs the next opening")
            occurrence = checked_occurrence(next_occurrence)
            at = aware_utc(next_open_at, "next_open_at")
            if series is None or series.status is not SeriesStatus.PAUSED:
                return None
            changed = replace(
                series,
                status=wanted,
                paused_reason=None,
                next_occurrence=occurrence,
                next_open_at=at,
            )
        else:
            if series is None or series.status is SeriesStatus.STOPPED:
                return None
            changed = replace(series, status=wanted)
        self._db.series[series_id] = changed
        return changed

    async def series_rounds(self, series_id: str, limit: int = 24) -> list[SurveyRecord]:
        checked_count(limit)
        rounds = [
            stored.record
            for stored in self._db.surveys.values()
            if stored.record.series_id == series_id
        ]
        rounds.sort(key=lambda record: -(record.round_number or 0))
        return [copy_survey(record) for record in rounds[:limit]]


class MemoryReminders:
    """A `ReminderStore` over a `MemoryDatabase`."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    async def mark_responded(self, survey_id: str, member_keys: list[str]) -> MarkOutcome:
        keys = [checked_member_key(key) for key in member_keys]
        if not self._is_open(survey_id):
            return MarkOutcome.CLOSED
        marks = self._db.marks.setdefault(survey_id, {})
        for key in keys:
            marks.setdefault(key, Mark()).responded = True
        return MarkOutcome.MARKED

    async def mark_reminded(self, survey_id: str, member_keys: list[str]) -> list[str]:
        keys = [checked_member_key(key) for key in member_keys]
        if not keys or not self._is_open(survey_id):
            return []
        marks = self._db.marks.setdefault(survey_id, {})
        marked: list[str] = []
        for key in sorted(set(keys)):
            if key not in marks:
                marks[key] = Mark(reminded=True)
                marked.append(key)
        return marked

    async def marked_members(self, survey_id: str) -> set[str]:
        return set(self._db.marks.get(survey_id, {}))

    async def claim_reminders(self, survey_id: str, now: datetime, until: datetime) -> bool:
        at = aware_utc(now, "now")
        holds = aware_utc(until, "until")
        if holds <= at:
            raise ValueError("until must be after now")
        stored = self._db.surveys.get(survey_id)
        if stored is None or not reminder_due(stored.record, at):
            return False
        if stored.record.deadline <= at or not free(stored.reminders_claimed_until, at):
            return False
        stored.reminders_claimed_until = holds
        return True

    async def finish_reminders(self, survey_id: str, now: datetime) -> None:
        at = aware_utc(now, "now")
        stored = self._db.surveys.get(survey_id)
        if stored is not None and stored.record.reminded_at is None:
            stored.record = replace(stored.record, reminded_at=at)
            stored.reminders_claimed_until = None

    def _is_open(self, survey_id: str) -> bool:
        stored = self._db.surveys.get(survey_id)
        return stored is not None and stored.record.status is SurveyStatus.OPEN


def _copy(series: SeriesRecord) -> SeriesRecord:
    """A record whose address the caller may change without changing the stored one."""
    return replace(series, address=json_copy(series.address, "address"))
