"""`SeriesStore` and `ReminderStore` on SQLAlchemy (SQLite and PostgreSQL).

Opening a round is one transaction: a conditional UPDATE of the series on the round it expects
(one caller's UPDATE changes the row; the others find it moved on and write nothing), then the
round's survey. The card of a round is a lease on the survey (`card_claimed_until`): the
opener holds it from the start; posting the card clears it (`SqlPulse.set_survey_message`);
a lease that runs out with the card unposted is the sign of an opener that died, and
`claim_round_card` hands the job to one other process.

Marks are written only while their survey is open. On PostgreSQL the survey row is locked
FOR SHARE first, as a batch of responses does, so a close (which deletes the marks after its
UPDATE of the row) waits for marks in flight and marks that come after it find it closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute

from storage.checks.common import aware_utc, checked_count
from storage.checks.pulse import checked_survey, is_survey_id
from storage.checks.series import (
    checked_member_key,
    checked_occurrence,
    checked_round,
    checked_round_number,
    checked_series,
    is_series_id,
)
from storage.pulse import SurveyRecord, SurveyStatus
from storage.reminders import MarkOutcome
from storage.series import Cadence, PauseReason, SeriesRecord, SeriesStatus
from storage.sql.database import Database, dialect_insert
from storage.sql.pulse import card_lease_over, reminders_due, survey_record, survey_row
from storage.sql.pulse_statements import insert_new_survey
from storage.tables import Survey, SurveyMark, SurveyResponse, SurveySeries

_OPEN = SurveyStatus.OPEN.value
_ACTIVE = SeriesStatus.ACTIVE.value
_PAUSED = SeriesStatus.PAUSED.value
_STOPPED = SeriesStatus.STOPPED.value


class SqlSeries:
    """A `SeriesStore` over a `Database`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def create_series(self, series: SeriesRecord) -> None:
        record = checked_series(series)
        statement = (
            dialect_insert(self._db.dialect, SurveySeries)
            .values(_series_row(record))
            .on_conflict_do_nothing(index_elements=[SurveySeries.id])
        )
        async with self._db.transaction("create the series", write=True) as session:
            connection = await session.connection()
            if (await connection.execute(statement)).rowcount != 1:
                raise ValueError("a series with this id exists already")

    async def load_series(self, series_id: str) -> SeriesRecord | None:
        if not is_series_id(series_id):
            return None
        async with self._db.transaction("load the series") as session:
            row = await session.scalar(select(SurveySeries).where(SurveySeries.id == series_id))
        return None if row is None else _series_record(row)

    async def channel_series(
        self, platform: str, workspace: str, channel: str, *, include_stopped: bool = False
    ) -> list[SeriesRecord]:
        query = select(SurveySeries).where(
            SurveySeries.platform == platform,
            SurveySeries.workspace == workspace,
            SurveySeries.channel == channel,
        )
        if not include_stopped:
            query = query.where(SurveySeries.status != _STOPPED)
        query = query.order_by(SurveySeries.created_at, SurveySeries.id)
        async with self._db.transaction("find the channel's series") as session:
            rows = (await session.scalars(query)).all()
        return [_series_record(row) for row in rows]

    async def series_due(self, now: datetime, limit: int = 100) -> list[SeriesRecord]:
        at = aware_utc(now, "now")
        checked_count(limit)
        query = (
            select(SurveySeries)
            .where(SurveySeries.status == _ACTIVE, SurveySeries.next_open_at <= at)
            .order_by(SurveySeries.next_open_at, SurveySeries.id)
            .limit(limit)
        )
        async with self._db.transaction("find the series due") as session:
            rows = (await session.scalars(query)).all()
        return [_series_record(row) for row in rows]

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
        row = survey_row(record) | {"card_claimed_until": aware_utc(card_until, "card_until")}
        if not is_series_id(series_id):
            return False
        async with self._db.transaction("open the round", write=True) as session:
            connection = await session.connection()
            moved = await connection.execute(
                update(SurveySeries)
                .where(
                    SurveySeries.id == series_id,
                    SurveySeries.status == _ACTIVE,
                    SurveySeries.next_round == expected_round,
                )
                .values(
                    next_round=expected_round + 1,
                    next_occurrence=next_occurrence,
                    next_open_at=next_at,
                )
            )
            if moved.rowcount != 1:
                return False
            inserted = await connection.execute(insert_new_survey(self._db.dialect, row))
            if inserted.rowcount != 1:
                raise ValueError("a survey with this id exists already")
        return True

    async def claim_round_card(self, survey_id: str, now: datetime, until: datetime) -> bool:
        lease = Survey.card_claimed_until
        doing = "claim the round's card"
        return await claim_lease(self._db, doing, survey_id, now, until, lease, card_lease_over)

    async def unopen_round(self, survey_id: str, reason: PauseReason) -> SeriesRecord | None:
        paused_reason = PauseReason(reason).value
        if not is_survey_id(survey_id):
            return None
        async with self._db.transaction("take back the round", write=True) as session:
            connection = await session.connection()
            found = (
                await connection.execute(
                    select(Survey.series_id, Survey.round_number)
                    .where(Survey.id == survey_id, Survey.series_id.is_not(None))
                    .with_for_update()
                )
            ).one_or_none()
            if found is None:
                return None
            series_id, number = str(found[0]), int(found[1] or 0)
            await connection.execute(delete(SurveyMark).where(SurveyMark.survey_id == survey_id))
            await connection.execute(
                delete(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
            )
            await connection.execute(delete(Survey).where(Survey.id == survey_id))
            await connection.execute(
                update(SurveySeries)
                .where(SurveySeries.id == series_id, SurveySeries.next_round == number + 1)
                .values(next_round=number)
            )
            await connection.execute(
                update(SurveySeries)
                .where(SurveySeries.id == series_id, SurveySeries.status == _ACTIVE)
                .values(status=_PAUSED, paused_reason=paused_reason)
            )
            row = await session.scalar(select(SurveySeries).where(SurveySeries.id == series_id))
        return None if row is None else _series_record(row)

    async def set_series_status(
        self,
        series_id: str,
        status: SeriesStatus,
        *,
        reason: PauseReason | None = None,
        next_occurrence: int | None = None,
        next_open_at: datetime | None = None,
    ) -> SeriesRecord | None:
        condition, values = status_change(status, reason, next_occurrence, next_open_at)
        if not is_series_id(series_id):
            return None
        async with self._db.transaction("change the series", write=True) as session:
            connection = await session.connection()
            changed = await connection.execute(
                update(SurveySeries)
                .where(SurveySeries.id == series_id, SurveySeries.status.in_(condition))
                .values(values)
            )
            if changed.rowcount != 1:
                return None
            row = await session.scalar(select(SurveySeries).where(SurveySeries.id == series_id))
        return None if row is None else _series_record(row)

    async def series_rounds(self, series_id: str, limit: int = 24) -> list[SurveyRecord]:
        checked_count(limit)
        if not is_series_id(series_id):
            return []
        query = (
            select(Survey)
            .where(Survey.series_id == series_id)
            .order_by(Survey.round_number.desc())
            .limit(limit)
        )
        async with self._db.transaction("read the series' rounds") as session:
            rows = (await session.scalars(query)).all()
        return [survey_record(row) for row in rows]


class SqlReminders:
    """A `ReminderStore` over a `Database`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def mark_responded(self, survey_id: str, member_keys: list[str]) -> MarkOutcome:
        keys = [checked_member_key(key) for key in member_keys]
        if not is_survey_id(survey_id):
            return MarkOutcome.CLOSED
        insert = dialect_insert(self._db.dialect, SurveyMark)
        statement = insert.on_conflict_do_update(
            index_elements=[SurveyMark.survey_id, SurveyMark.member_key],
            set_={"responded": True},
        )
        # In key order, so two transactions marking the same members cannot deadlock.
        rows = [_mark(survey_id, key, responded=True) for key in sorted(set(keys))]
        async with self._db.transaction("mark who responded", write=True) as session:
            connection = await session.connection()
            if not await _is_open(connection, survey_id):
                return MarkOutcome.CLOSED
            if rows:
                await connection.execute(statement, rows)
        return MarkOutcome.MARKED

    async def mark_reminded(self, survey_id: str, member_keys: list[str]) -> list[str]:
        keys = [checked_member_key(key) for key in member_keys]
        if not is_survey_id(survey_id) or not keys:
            return []
        # In key order, so two transactions marking the same members cannot deadlock.
        rows = [_mark(survey_id, key, reminded=True) for key in sorted(set(keys))]
        async with self._db.transaction("mark who is reminded", write=True) as session:
            connection = await session.connection()
            if not await _is_open(connection, survey_id):
                return []
            # One row at a time with RETURNING: executemany cannot return rows on every
            # driver. A batch is a few dozen keys.
            marked: list[str] = []
            for row in rows:
                statement = (
                    dialect_insert(self._db.dialect, SurveyMark)
                    .values(row)
                    .on_conflict_do_nothing(
                        index_elements=[SurveyMark.survey_id, SurveyMark.member_key]
                    )
                )
                if (await connection.execute(statement)).rowcount == 1:
                    marked.append(row["member_key"])
        return marked

    async def marked_members(self, survey_id: str) -> set[str]:
        if not is_survey_id(survey_id):
            return set()
        query = select(SurveyMark.member_key).where(SurveyMark.survey_id == survey_id)
        async with self._db.transaction("read the marks") as session:
            return set((await session.scalars(query)).all())

    async def claim_reminders(self, survey_id: str, now: datetime, until: datetime) -> bool:
        def due(at: datetime) -> ColumnElement[bool]:
            return and_(Survey.deadline > at, reminders_due(at))

        lease = Survey.reminders_claimed_until
        doing = "claim the reminders"
        return await claim_lease(self._db, doing, survey_id, now, until, lease, due)

    async def finish_reminders(self, survey_id: str, now: datetime) -> None:
        at = aware_utc(now, "now")
        if not is_survey_id(survey_id):
            return
        statement = (
            update(Survey)
            .where(Survey.id == survey_id, Survey.reminded_at.is_(None))
            .values(reminded_at=at, reminders_claimed_until=None)
        )
        async with self._db.transaction("finish the reminders", write=True) as session:
            await (await session.connection()).execute(statement)


async def claim_lease(
    database: Database,
    doing: str,
    survey_id: str,
    now: datetime,
    until: datetime,
    lease: InstrumentedAttribute[datetime | None],
    free: Callable[[datetime], ColumnElement[bool]],
) -> bool:
    """One conditional UPDATE setting an open survey's `lease` column to `until` where `free`
    holds at `now`: True for exactly the one caller whose UPDATE changed the row."""
    at = aware_utc(now, "now")
    holds = aware_utc(until, "until")
    if holds <= at:
        raise ValueError("until must be after now")
    if not is_survey_id(survey_id):
        return False
    statement = (
        update(Survey)
        .where(Survey.id == survey_id, Survey.status == _OPEN, free(at))
        .values({lease.key: holds})
    )
    async with database.transaction(doing, write=True) as session:
        result = await (await session.connection()).execute(statement)
    return result.rowcount == 1


def status_change(
    status: SeriesStatus,
    reason: PauseReason | None,
    next_occurrence: int | None,
    next_open_at: datetime | None,
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The statuses a series may move to `status` from, and the columns it sets."""
    wanted = SeriesStatus(status)
    if wanted is SeriesStatus.PAUSED:
        if reason is None:
            raise ValueError("a pause needs its reason")
        return (_ACTIVE,), {"status": _PAUSED, "paused_reason": PauseReason(reason).value}
    if wanted is SeriesStatus.ACTIVE:
        if next_occurrence is None or next_open_at is None:
            raise ValueError("resuming needs the next opening")
        values = {
            "status": _ACTIVE,
            "paused_reason": None,
            "next_occurrence": checked_occurrence(next_occurrence),
            "next_open_at": aware_utc(next_open_at, "next_open_at"),
        }
        return (_PAUSED,), values
    return (_ACTIVE, _PAUSED), {"status": _STOPPED}


async def _is_open(connection: AsyncConnection, survey_id: str) -> bool:
    status = await connection.scalar(
        select(Survey.status).where(Survey.id == survey_id).with_for_update(read=True)
    )
    return status == _OPEN


def _mark(
    survey_id: str, key: str, *, responded: bool = False, reminded: bool = False
) -> dict[str, Any]:
    return {"survey_id": survey_id, "member_key": key, "responded": responded, "reminded": reminded}


def _series_row(record: SeriesRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "platform": record.platform,
        "workspace": record.workspace,
        "channel": record.channel,
        "launcher": record.launcher,
        "launcher_key": record.launcher_key,
        "cadence": record.cadence.value,
        "timezone": record.timezone,
        "starts_at": record.starts_at,
        "round_seconds": int(record.round_length.total_seconds()),
        "threshold": record.threshold,
        "remind": record.remind,
        "created_at": record.created_at,
        "next_open_at": record.next_open_at,
        "address": record.address,
        "next_occurrence": record.next_occurrence,
        "next_round": record.next_round,
        "status": record.status.value,
        "paused_reason": None if record.paused_reason is None else record.paused_reason.value,
    }


def _series_record(row: SurveySeries) -> SeriesRecord:
    return SeriesRecord(
        id=row.id,
        platform=row.platform,
        workspace=row.workspace,
        channel=row.channel,
        launcher=row.launcher,
        launcher_key=row.launcher_key,
        cadence=Cadence(row.cadence),
        timezone=row.timezone,
        starts_at=row.starts_at,
        round_length=timedelta(seconds=row.round_seconds),
        threshold=row.threshold,
        remind=row.remind,
        created_at=row.created_at,
        next_open_at=row.next_open_at,
        address=dict(row.address),
        next_occurrence=row.next_occurrence,
        next_round=row.next_round,
        status=SeriesStatus(row.status),
        paused_reason=None if row.paused_reason is None else PauseReason(row.paused_reason),
    )
