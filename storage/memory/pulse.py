"""`PulseStore` in process memory: pulse surveys in the `MemoryDatabase`'s dicts.

The same checks and the same answers as `storage.sql.pulse`, JSON copies in and out. No
method awaits, so under one event loop each call is atomic, which is all the conditional
updates of the SQL version need to have exactly one winner.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from storage.checks.common import aware_utc, checked_count, json_copy
from storage.checks.pulse import (
    checked_answers,
    checked_message,
    checked_respondent_key,
    checked_survey,
)
from storage.checks.series import checked_member_key
from storage.memory.database import Mark, MemoryDatabase, StoredSurvey
from storage.pulse import ResponseOutcome, SurveyRecord, SurveyStatus, SurveyTally


class MemoryPulse:
    """A `PulseStore` over a `MemoryDatabase`."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    async def create_survey(self, survey: SurveyRecord) -> None:
        record = checked_survey(survey)
        if record.id in self._db.surveys:
            raise ValueError("a survey with this id exists already")
        self._db.surveys[record.id] = StoredSurvey(record)
        self._db.responses[record.id] = {}

    async def set_survey_message(self, survey_id: str, message: dict[str, Any]) -> None:
        saved = checked_message(message)
        stored = self._db.surveys.get(survey_id)
        if stored is not None:
            stored.record = replace(stored.record, message=saved)
            stored.card_claimed_until = None  # the posted card ends the job of posting it

    async def delete_survey(self, survey_id: str) -> None:
        self._db.surveys.pop(survey_id, None)
        self._db.responses.pop(survey_id, None)
        self._db.marks.pop(survey_id, None)

    async def load_survey(self, survey_id: str) -> SurveyRecord | None:
        stored = self._db.surveys.get(survey_id)
        return None if stored is None else copy_survey(stored.record)

    async def latest_survey(
        self,
        platform: str,
        workspace: str,
        channel: str,
        status: SurveyStatus | None = None,
    ) -> SurveyRecord | None:
        wanted = None if status is None else SurveyStatus(status)
        found = [
            stored.record
            for stored in self._db.surveys.values()
            if (stored.record.platform, stored.record.workspace, stored.record.channel)
            == (platform, workspace, channel)
            and wanted in (None, stored.record.status)
        ]
        if not found:
            return None
        return copy_survey(max(found, key=lambda record: (record.created_at, record.id)))

    async def record_response(
        self,
        survey_id: str,
        respondent_key: str,
        answers: dict[str, str],
        now: datetime,
        member_key: str | None = None,
    ) -> ResponseOutcome:
        key = checked_respondent_key(respondent_key)
        member = None if member_key is None else checked_member_key(member_key)
        saved = checked_answers(answers)
        at = aware_utc(now, "now")
        stored = self._db.surveys.get(survey_id)
        if stored is None:
            return ResponseOutcome.UNKNOWN
        if stored.record.status is not SurveyStatus.OPEN or not at < stored.record.deadline:
            return ResponseOutcome.CLOSED
        responses = self._db.responses[survey_id]
        outcome = ResponseOutcome.REPLACED if key in responses else ResponseOutcome.ADDED
        responses[key] = saved
        if member is not None:
            self._db.marks.setdefault(survey_id, {}).setdefault(member, Mark()).responded = True
        return outcome

    async def load_response(self, survey_id: str, respondent_key: str) -> dict[str, str] | None:
        answers = self._db.responses.get(survey_id, {}).get(respondent_key)
        return None if answers is None else dict(answers)

    async def count_responses(self, survey_id: str) -> int:
        return len(self._db.responses.get(survey_id, {}))

    async def tally_responses(self, survey_id: str) -> SurveyTally:
        return _tally(self._db.responses.get(survey_id, {}))

    async def close_survey(self, survey_id: str, now: datetime) -> SurveyRecord | None:
        at = aware_utc(now, "now")
        stored = self._db.surveys.get(survey_id)
        if stored is None or stored.record.status is not SurveyStatus.OPEN:
            return None
        stored.record = replace(
            stored.record,
            status=SurveyStatus.CLOSED,
            closed_at=at,
            tally=_tally(self._db.responses[survey_id]),
        )
        self._db.marks.pop(survey_id, None)  # who took part is kept only while it is open
        return copy_survey(stored.record)

    async def claim_results(self, survey_id: str, now: datetime, lease_until: datetime) -> bool:
        at = aware_utc(now, "now")
        until = aware_utc(lease_until, "lease_until")
        if until <= at:
            raise ValueError("lease_until must be after now")
        stored = self._db.surveys.get(survey_id)
        if stored is None or not _results_to_post(stored, at):
            return False
        stored.results_claimed_until = until
        return True

    async def mark_results_posted(self, survey_id: str, now: datetime) -> None:
        at = aware_utc(now, "now")
        stored = self._db.surveys.get(survey_id)
        if stored is None or stored.record.status is not SurveyStatus.CLOSED:
            return
        if stored.record.results_posted_at is None:
            stored.record = replace(stored.record, results_posted_at=at)
            stored.results_claimed_until = None

    async def claim_reminder(self, survey_id: str, now: datetime) -> bool:
        at = aware_utc(now, "now")
        stored = self._db.surveys.get(survey_id)
        if stored is None or not reminder_due(stored.record, at) or stored.record.deadline <= at:
            return False
        stored.record = replace(stored.record, reminded_at=at)
        return True

    async def claim_count_refresh(self, survey_id: str, now: datetime, until: datetime) -> bool:
        at = aware_utc(now, "now")
        holds_until = aware_utc(until, "until")
        stored = self._db.surveys.get(survey_id)
        if stored is None or not free(stored.count_refresh_until, at):
            return False
        stored.count_refresh_until = holds_until
        return True

    async def surveys_due(self, now: datetime, limit: int = 100) -> list[SurveyRecord]:
        at = aware_utc(now, "now")
        checked_count(limit)
        due = [
            stored.record
            for stored in self._db.surveys.values()
            if (stored.record.status is SurveyStatus.OPEN and stored.record.deadline <= at)
            or _results_to_post(stored, at)
            or (reminder_due(stored.record, at) and free(stored.reminders_claimed_until, at))
            or (stored.record.status is SurveyStatus.OPEN and card_lease_over(stored, at))
        ]
        due.sort(key=lambda record: (record.deadline, record.id))
        return [copy_survey(record) for record in due[:limit]]


def free(lease_until: datetime | None, at: datetime) -> bool:
    return lease_until is None or lease_until <= at


def card_lease_over(stored: StoredSurvey, at: datetime) -> bool:
    """A round whose card is not posted and whose card claim ran out (`storage.sql.series`)."""
    until = stored.card_claimed_until
    return stored.record.series_id is not None and until is not None and until <= at


def _results_to_post(stored: StoredSurvey, at: datetime) -> bool:
    record = stored.record
    return (
        record.status is SurveyStatus.CLOSED
        and record.results_posted_at is None
        and free(stored.results_claimed_until, at)
    )


def reminder_due(record: SurveyRecord, at: datetime) -> bool:
    return (
        record.status is SurveyStatus.OPEN
        and record.remind_at is not None
        and record.remind_at <= at
        and record.reminded_at is None
    )


def _tally(responses: dict[str, dict[str, str]]) -> SurveyTally:
    pairs = Counter(pair for answers in responses.values() for pair in answers.items())
    counts: dict[str, dict[str, int]] = {}
    for (question, option), n in sorted(pairs.items()):
        counts.setdefault(question, {})[option] = n
    return SurveyTally(len(responses), counts)


def copy_survey(record: SurveyRecord) -> SurveyRecord:
    """A record whose dicts the caller may change without changing the stored one."""
    tally = None if record.tally is None else SurveyTally.from_json(record.tally.to_json())
    return replace(record, message=json_copy(record.message, "message"), tally=tally)
