"""`PulseStore` on SQLAlchemy: pulse surveys on SQLite and PostgreSQL.

Every change that several processes may attempt at once is one conditional UPDATE whose row
count names the single winner: closing (`WHERE status = 'open'`), claiming the results
(`WHERE` no posting and no running lease), the reminder, the live-count refresh. A loser's
UPDATE finds the winner's row version (PostgreSQL re-checks the condition once the winner
commits; SQLite's write transactions run one at a time) and changes nothing.

Responses are written in batches, one transaction per batch (group commit:
`storage.sql.response_batches`), each response still its own insert-or-replace.

A response and a close must not interleave: the tally a close stores has to be exactly the
responses that exist once it is done. On SQLite, write transactions (BEGIN IMMEDIATE) already
run one at a time. On PostgreSQL a batch of responses first locks its surveys' rows
`FOR SHARE`, and holds the lock until it commits: batches do not wait for each other, but a
close's UPDATE (which needs the row exclusively) waits for the ones in flight, and a batch
that comes after the close waits for it to commit and then reads the survey closed. (The
foreign key's own check takes only FOR KEY SHARE, which an UPDATE of other columns does not
wait for.)
Deleting surveys locks their rows `FOR UPDATE` first, for the same reason.

Survey ids that are not ids (button payloads can be forged) are answered as unknown without a
query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.checks.common import aware_utc, checked_count
from storage.checks.pulse import (
    checked_answers,
    checked_message,
    checked_respondent_key,
    checked_survey,
    is_survey_id,
)
from storage.checks.series import checked_member_key
from storage.pulse import ResponseOutcome, SurveyRecord, SurveyStatus, SurveyTally
from storage.sql.database import Database
from storage.sql.pulse_statements import insert_new_survey, tally_of, write_responses
from storage.sql.response_batches import PendingResponse, ResponseBatches
from storage.tables import Survey, SurveyMark, SurveyResponse

_OPEN = SurveyStatus.OPEN.value
_CLOSED = SurveyStatus.CLOSED.value


class SqlPulse:
    """A `PulseStore` over a `Database`. It owns this process's queue of responses waiting for
    their batch (`storage.sql.response_batches`), so build one per database, not per call."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._responses = ResponseBatches(self._write_responses)

    async def create_survey(self, survey: SurveyRecord) -> None:
        record = checked_survey(survey)
        statement = insert_new_survey(self._db.dialect, survey_row(record))
        async with self._db.transaction("create the survey", write=True) as session:
            connection = await session.connection()
            if (await connection.execute(statement)).rowcount != 1:
                raise ValueError("a survey with this id exists already")

    async def set_survey_message(self, survey_id: str, message: dict[str, Any]) -> None:
        saved = checked_message(message)
        if not is_survey_id(survey_id):
            return
        async with self._db.transaction("record the survey message", write=True) as session:
            connection = await session.connection()
            # A posted card ends the job of posting it (`storage.sql.series`).
            await connection.execute(
                update(Survey)
                .where(Survey.id == survey_id)
                .values(message=saved, card_claimed_until=None)
            )

    async def delete_survey(self, survey_id: str) -> None:
        if not is_survey_id(survey_id):
            return
        async with self._db.transaction("delete the survey", write=True) as session:
            await delete_surveys(await session.connection(), Survey.id == survey_id)

    async def load_survey(self, survey_id: str) -> SurveyRecord | None:
        if not is_survey_id(survey_id):
            return None
        async with self._db.transaction("load the survey") as session:
            row = await session.scalar(select(Survey).where(Survey.id == survey_id))
        return None if row is None else survey_record(row)

    async def latest_survey(
        self,
        platform: str,
        workspace: str,
        channel: str,
        status: SurveyStatus | None = None,
    ) -> SurveyRecord | None:
        query = select(Survey).where(
            Survey.platform == platform, Survey.workspace == workspace, Survey.channel == channel
        )
        if status is not None:
            query = query.where(Survey.status == SurveyStatus(status).value)
        # The id only makes the order total for surveys created at the same instant.
        query = query.order_by(Survey.created_at.desc(), Survey.id.desc()).limit(1)
        async with self._db.transaction("find the latest survey") as session:
            row = await session.scalar(query)
        return None if row is None else survey_record(row)

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
        if not is_survey_id(survey_id):
            return ResponseOutcome.UNKNOWN
        # Written with the others that arrive meanwhile (group commit, see
        # storage.sql.response_batches), in one transaction by `_write_responses`.
        return await self._responses.record(PendingResponse(survey_id, key, saved, at, member))

    async def _write_responses(self, batch: Sequence[PendingResponse]) -> list[ResponseOutcome]:
        async with self._db.transaction("record the responses", write=True) as session:
            return await write_responses(await session.connection(), self._db.dialect, batch)

    async def load_response(self, survey_id: str, respondent_key: str) -> dict[str, str] | None:
        if not is_survey_id(survey_id):
            return None
        query = select(SurveyResponse.answers).where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.respondent_key == respondent_key
        )
        async with self._db.transaction("load the response") as session:
            answers: dict[str, str] | None = await session.scalar(query)
        return answers

    async def count_responses(self, survey_id: str) -> int:
        if not is_survey_id(survey_id):
            return 0
        query = select(func.count()).where(SurveyResponse.survey_id == survey_id)
        async with self._db.transaction("count the responses") as session:
            count: int = (await session.execute(query)).scalar_one()
        return count

    async def tally_responses(self, survey_id: str) -> SurveyTally:
        if not is_survey_id(survey_id):
            return SurveyTally(0)
        async with self._db.transaction("tally the responses") as session:
            return await tally_of(await session.connection(), self._db.dialect, survey_id)

    async def close_survey(self, survey_id: str, now: datetime) -> SurveyRecord | None:
        at = aware_utc(now, "now")
        if not is_survey_id(survey_id):
            return None
        async with self._db.transaction("close the survey", write=True) as session:
            connection = await session.connection()
            # The conditional UPDATE comes first: on PostgreSQL it waits for the responses in
            # flight, and from then on no response can be written, so the tally below counts
            # exactly the rows that stay.
            closing = await connection.execute(
                update(Survey)
                .where(Survey.id == survey_id, Survey.status == _OPEN)
                .values(status=_CLOSED, closed_at=at)
            )
            if closing.rowcount != 1:
                return None
            tally = await tally_of(connection, self._db.dialect, survey_id)
            # Who took part is kept no longer than the survey is open (`storage.reminders`).
            await connection.execute(delete(SurveyMark).where(SurveyMark.survey_id == survey_id))
            await connection.execute(
                update(Survey).where(Survey.id == survey_id).values(tally=tally.to_json())
            )
            row = await session.scalar(select(Survey).where(Survey.id == survey_id))
        return None if row is None else survey_record(row)

    async def claim_results(self, survey_id: str, now: datetime, lease_until: datetime) -> bool:
        at = aware_utc(now, "now")
        until = aware_utc(lease_until, "lease_until")
        if until <= at:
            # A lease over at once would let every concurrent caller win.
            raise ValueError("lease_until must be after now")
        return await self._claim(
            "claim the results",
            survey_id,
            _results_to_post(at),
            {"results_claimed_until": until},
        )

    async def mark_results_posted(self, survey_id: str, now: datetime) -> None:
        at = aware_utc(now, "now")
        await self._claim(
            "mark the results posted",
            survey_id,
            and_(Survey.status == _CLOSED, Survey.results_posted_at.is_(None)),
            {"results_posted_at": at, "results_claimed_until": None},
        )

    async def claim_reminder(self, survey_id: str, now: datetime) -> bool:
        at = aware_utc(now, "now")
        return await self._claim(
            "claim the reminder",
            survey_id,
            and_(
                Survey.status == _OPEN,
                Survey.deadline > at,
                Survey.remind_at <= at,
                Survey.reminded_at.is_(None),
            ),
            {"reminded_at": at},
        )

    async def claim_count_refresh(self, survey_id: str, now: datetime, until: datetime) -> bool:
        at = aware_utc(now, "now")
        holds_until = aware_utc(until, "until")
        return await self._claim(
            "claim the count refresh",
            survey_id,
            _free(Survey.count_refresh_until, at),
            {"count_refresh_until": holds_until},
        )

    async def surveys_due(self, now: datetime, limit: int = 100) -> list[SurveyRecord]:
        at = aware_utc(now, "now")
        checked_count(limit)
        to_close = and_(Survey.status == _OPEN, Survey.deadline <= at)
        to_post = _results_to_post(at)
        to_remind = and_(Survey.status == _OPEN, reminders_due(at))
        to_post_card = and_(Survey.status == _OPEN, card_lease_over(at))
        query = (
            select(Survey)
            .where(or_(to_close, to_post, to_remind, to_post_card))
            .order_by(Survey.deadline, Survey.id)
            .limit(limit)
        )
        async with self._db.transaction("find the surveys due") as session:
            rows = (await session.scalars(query)).all()
        return [survey_record(row) for row in rows]

    async def _claim(
        self, doing: str, survey_id: str, condition: ColumnElement[bool], values: dict[str, Any]
    ) -> bool:
        """One conditional UPDATE of the survey: True when this call changed the row."""
        if not is_survey_id(survey_id):
            return False
        statement = update(Survey).where(Survey.id == survey_id, condition).values(values)
        async with self._db.transaction(doing, write=True) as session:
            connection = await session.connection()
            result = await connection.execute(statement)
        return result.rowcount == 1


async def delete_surveys(connection: AsyncConnection, which: ColumnElement[bool]) -> int:
    """Delete the surveys matching `which` and their responses; returns the rows deleted.

    The surveys are locked first, so on PostgreSQL a response in flight commits before its
    rows are deleted (and counted) and a later one finds no survey. Responses are deleted
    explicitly rather than by the foreign key's cascade, which SQLite does not enforce.
    """
    # In id order, so that two deletions of one workspace cannot lock it in opposite orders.
    await connection.execute(select(Survey.id).where(which).order_by(Survey.id).with_for_update())
    marks = await connection.execute(
        delete(SurveyMark).where(SurveyMark.survey_id.in_(select(Survey.id).where(which)))
    )
    responses = await connection.execute(
        delete(SurveyResponse).where(SurveyResponse.survey_id.in_(select(Survey.id).where(which)))
    )
    surveys = await connection.execute(delete(Survey).where(which))
    return marks.rowcount + responses.rowcount + surveys.rowcount


def _free(lease_until: Any, at: datetime) -> ColumnElement[bool]:
    """No lease, or one that is over at `at`."""
    return or_(lease_until.is_(None), lease_until <= at)


def card_lease_over(at: datetime) -> ColumnElement[bool]:
    """A round whose card is not posted and whose card claim ran out at `at`: its opener died
    or failed (`storage.sql.series`)."""
    return and_(
        Survey.series_id.is_not(None),
        Survey.card_claimed_until.is_not(None),
        Survey.card_claimed_until <= at,
    )


def reminders_due(at: datetime) -> ColumnElement[bool]:
    """Reminders due at `at`, not sent, and no sender's claim running."""
    return and_(
        Survey.remind_at <= at,
        Survey.reminded_at.is_(None),
        _free(Survey.reminders_claimed_until, at),
    )


def _results_to_post(at: datetime) -> ColumnElement[bool]:
    """Closed, its results not posted, and no poster's lease running at `at`."""
    return and_(
        Survey.status == _CLOSED,
        Survey.results_posted_at.is_(None),
        _free(Survey.results_claimed_until, at),
    )


def survey_row(record: SurveyRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "platform": record.platform,
        "workspace": record.workspace,
        "channel": record.channel,
        "launcher_key": record.launcher_key,
        "question_ids": list(record.question_ids),
        "knowledge_version": record.knowledge_version,
        "threshold": record.threshold,
        "created_at": record.created_at,
        "deadline": record.deadline,
        "remind_at": record.remind_at,
        "status": record.status.value,
        "closed_at": record.closed_at,
        "message": record.message,
        "tally": None if record.tally is None else record.tally.to_json(),
        "results_posted_at": record.results_posted_at,
        "reminded_at": record.reminded_at,
        "series_id": record.series_id,
        "round_number": record.round_number,
    }


def survey_record(row: Survey) -> SurveyRecord:
    return SurveyRecord(
        id=row.id,
        platform=row.platform,
        workspace=row.workspace,
        channel=row.channel,
        launcher_key=row.launcher_key,
        question_ids=tuple(row.question_ids),
        knowledge_version=row.knowledge_version,
        threshold=row.threshold,
        created_at=row.created_at,
        deadline=row.deadline,
        remind_at=row.remind_at,
        status=SurveyStatus(row.status),
        closed_at=row.closed_at,
        message=dict(row.message),
        tally=None if row.tally is None else SurveyTally.from_json(row.tally),
        results_posted_at=row.results_posted_at,
        reminded_at=row.reminded_at,
        series_id=row.series_id,
        round_number=row.round_number,
    )
