"""`LifecycleStore` on SQLAlchemy: forgetting a person, deleting a workspace and purging old
rows on SQLite and PostgreSQL.

A purge batch is `DELETE ... WHERE <key> IN (SELECT <key> ... ORDER BY <key> LIMIT n FOR UPDATE
SKIP LOCKED)`: on PostgreSQL concurrent purges lock disjoint batches and never wait for each
other; SQLite renders no locking clause (its write transactions take turns). The subqueries
read the table the statement deletes from, so they are kept from correlating with it.

Forgetting locks the workspace's surveys (FOR NO KEY UPDATE, in id order) before it touches
their responses or launcher keys: a close waits for it, so the tally a close stores is taken
either before or after the forgotten answers went, never in the middle; and two forgets in one
workspace take turns instead of deadlocking. Deleting a workspace (through
`storage.sql.pulse.delete_surveys`) locks in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute, aliased

from storage.admin import LoadOutcome
from storage.checks.common import aware_utc, checked_count
from storage.checks.pulse import checked_respondent_key
from storage.conversations import ConversationKey
from storage.lifecycle import NO_LAUNCHER, NOBODY, RETIRED_ACTOR, Forgotten
from storage.pulse import SurveyStatus
from storage.sql.database import Database
from storage.sql.pulse import delete_surveys
from storage.tables import (
    Assessment,
    AuditEntry,
    Conversation,
    ConversationReference,
    Delivery,
    KnowledgeLoad,
    Survey,
    SurveyMark,
    SurveyResponse,
    SurveySeries,
)

# Survey ids per statement when forgetting answers: well under every database's limit on
# bound parameters, for a workspace with years of surveys.
_IDS_PER_STATEMENT = 500
_CLOSED = SurveyStatus.CLOSED.value
_OK = LoadOutcome.OK.value
_FAILED = LoadOutcome.FAILED.value

_Owned = type[Conversation] | type[Assessment] | type[ConversationReference]


class SqlLifecycle:
    """A `LifecycleStore` over a `Database`, each call one of its transactions."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def forget_user(
        self,
        key: ConversationKey,
        *,
        respondent_key: Callable[[str], str] | None = None,
        member_key: Callable[[str], str] | None = None,
        launcher_key: str | None = None,
        delivery_prefix: str | None = None,
    ) -> Forgotten:
        if launcher_key is not None:
            checked_respondent_key(launcher_key, "launcher key")
        async with self._db.transaction("forget the user", write=True) as session:
            connection = await session.connection()
            state = (
                await connection.execute(
                    delete(Conversation)
                    .where(_owned_by(Conversation, key))
                    .returning(Conversation.state)
                )
            ).scalar_one_or_none()
            assessments = await _delete(connection, Assessment, key)
            references = await _delete(connection, ConversationReference, key)
            answers = launched = 0
            if respondent_key is not None or launcher_key is not None or member_key is not None:
                surveys = await _lock_surveys(connection, key)
                if respondent_key is not None:
                    answers = await _delete_answers(connection, surveys, respondent_key)
                if member_key is not None:
                    answers += await _delete_marks(connection, surveys, member_key)
                if launcher_key is not None:
                    launched = await _unlink_launcher(connection, key, launcher_key)
            deliveries = 0
            if delivery_prefix:
                deliveries = await _rows(
                    connection,
                    delete(Delivery).where(
                        func.substr(Delivery.key, 1, len(delivery_prefix)) == delivery_prefix
                    ),
                )
            admin_records = await _admin_records(connection, key)
        return Forgotten(
            conversation=None if state is None else dict(state),
            assessments=assessments,
            references=references,
            survey_answers=answers,
            launched_surveys=launched,
            deliveries=deliveries,
            admin_records=admin_records,
        )

    async def delete_workspace(self, platform: str, workspace: str) -> int:
        async with self._db.transaction("delete the workspace", write=True) as session:
            # Core-level DELETEs: no objects to load or synchronise, and exact row counts.
            connection = await session.connection()
            deleted = 0
            owned: tuple[_Owned, ...] = (Conversation, Assessment, ConversationReference)
            for table in owned:
                deleted += await _rows(
                    connection,
                    delete(table).where(table.platform == platform, table.workspace == workspace),
                )
            deleted += await _rows(
                connection,
                delete(SurveySeries).where(
                    SurveySeries.platform == platform, SurveySeries.workspace == workspace
                ),
            )
            return deleted + await delete_surveys(
                connection, and_(Survey.platform == platform, Survey.workspace == workspace)
            )

    async def purge_conversations(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(limit)
        stale = _purge_batch(
            select(Conversation.id).where(Conversation.updated_at < cutoff),
            Conversation.id,
            limit=limit,
        )
        active_since = select(Conversation.id).where(
            Conversation.platform == ConversationReference.platform,
            Conversation.workspace == ConversationReference.workspace,
            Conversation.user_id == ConversationReference.user_id,
            Conversation.updated_at >= cutoff,
        )
        idle_references = _purge_batch(
            select(ConversationReference.id).where(
                ConversationReference.updated_at < cutoff, ~exists(active_since)
            ),
            ConversationReference.id,
            limit=limit,
        )
        async with self._db.transaction("purge the conversations", write=True) as session:
            connection = await session.connection()
            conversations = await _rows(
                connection, delete(Conversation).where(Conversation.id.in_(stale))
            )
            references = await _rows(
                connection,
                delete(ConversationReference).where(ConversationReference.id.in_(idle_references)),
            )
        return conversations + references

    async def purge_assessments(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(limit)
        old = _purge_batch(
            select(Assessment.id).where(Assessment.completed_at < cutoff),
            Assessment.id,
            limit=limit,
        )
        async with self._db.transaction("purge the assessments", write=True) as session:
            connection = await session.connection()
            return await _rows(connection, delete(Assessment).where(Assessment.id.in_(old)))

    async def purge_deliveries(self, before: datetime, limit: int | None = None) -> int:
        cutoff = aware_utc(before, "before")
        statement = delete(Delivery).where(Delivery.received_at < cutoff)
        if limit is not None:
            # The oldest `limit` keys; concurrent purges skip each other's (module docstring).
            batch = _purge_batch(
                select(Delivery.key).where(Delivery.received_at < cutoff),
                Delivery.received_at,
                Delivery.key,
                limit=checked_count(limit),
            )
            statement = delete(Delivery).where(Delivery.key.in_(batch))
        async with self._db.transaction("purge the deliveries", write=True) as session:
            return await _rows(await session.connection(), statement)

    async def purge_survey_responses(self, closed_before: datetime, limit: int) -> int:
        cutoff = aware_utc(closed_before, "closed_before")
        checked_count(limit)
        old = (
            select(SurveyResponse.survey_id, SurveyResponse.respondent_key)
            .join(Survey, Survey.id == SurveyResponse.survey_id)
            .where(Survey.status == _CLOSED, Survey.closed_at < cutoff)
            .order_by(SurveyResponse.survey_id, SurveyResponse.respondent_key)
            .limit(limit)
            .with_for_update(of=SurveyResponse, skip_locked=True)
            .correlate(None)
        )
        statement = delete(SurveyResponse).where(
            tuple_(SurveyResponse.survey_id, SurveyResponse.respondent_key).in_(old)
        )
        async with self._db.transaction("purge the survey responses", write=True) as session:
            return await _rows(await session.connection(), statement)

    async def purge_surveys(self, closed_before: datetime, limit: int) -> int:
        cutoff = aware_utc(closed_before, "closed_before")
        checked_count(limit)
        old = _purge_batch(
            select(Survey.id).where(Survey.status == _CLOSED, Survey.closed_at < cutoff),
            Survey.id,
            limit=limit,
        )
        async with self._db.transaction("purge the surveys", write=True) as session:
            connection = await session.connection()
            ids = list((await connection.execute(old)).scalars())
            if not ids:
                return 0
            return await delete_surveys(connection, Survey.id.in_(ids))

    async def purge_knowledge_loads(self, before: datetime, keep: int, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(keep, "keep")
        checked_count(limit)
        latest = (
            select(KnowledgeLoad.id)
            .where(KnowledgeLoad.outcome == _OK)
            .order_by(KnowledgeLoad.id.desc())
            .limit(keep)
            .correlate(None)
        )
        old = and_(KnowledgeLoad.loaded_at < cutoff, KnowledgeLoad.id.not_in(latest))
        later = aliased(KnowledgeLoad)
        superseded = exists().where(
            later.outcome == _OK,
            later.version == KnowledgeLoad.version,
            later.id > KnowledgeLoad.id,
        )
        failed = select(KnowledgeLoad.id).where(old, KnowledgeLoad.outcome == _FAILED)
        repeated = select(KnowledgeLoad.id).where(old, KnowledgeLoad.outcome == _OK, superseded)
        to_retire = select(KnowledgeLoad.id).where(
            old, KnowledgeLoad.outcome == _OK, KnowledgeLoad.actor != RETIRED_ACTOR
        )
        retire = (
            update(KnowledgeLoad)
            .where(KnowledgeLoad.id.in_(_purge_batch(to_retire, KnowledgeLoad.id, limit=limit)))
            .values(files={}, counts={}, actor=RETIRED_ACTOR, workspace=None)
        )
        async with self._db.transaction("purge the knowledge loads", write=True) as session:
            connection = await session.connection()
            changed = 0
            for rows in (failed, repeated):
                batch = _purge_batch(rows, KnowledgeLoad.id, limit=limit)
                changed += await _rows(
                    connection, delete(KnowledgeLoad).where(KnowledgeLoad.id.in_(batch))
                )
            return changed + await _rows(connection, retire)

    async def purge_audit(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(limit)
        old = _purge_batch(
            select(AuditEntry.id).where(AuditEntry.at < cutoff), AuditEntry.id, limit=limit
        )
        async with self._db.transaction("purge the audit log", write=True) as session:
            connection = await session.connection()
            return await _rows(connection, delete(AuditEntry).where(AuditEntry.id.in_(old)))


def _purge_batch(query: Select[Any], *order: Any, limit: int) -> Select[Any]:
    """At most `limit` rows of `query`, oldest first by `order`, locked unless another purge
    holds them; never correlated with the statement it sits in (which reads the same table)."""
    return query.order_by(*order).limit(limit).with_for_update(skip_locked=True).correlate(None)


def _owned_by(table: _Owned, key: ConversationKey) -> ColumnElement[bool]:
    return and_(
        table.platform == key.platform,
        table.workspace == key.workspace,
        table.user_id == key.user,
    )


async def _rows(connection: AsyncConnection, statement: Any) -> int:
    result = await connection.execute(statement)
    count: int = result.rowcount
    return count


async def _delete(connection: AsyncConnection, table: _Owned, key: ConversationKey) -> int:
    return await _rows(connection, delete(table).where(_owned_by(table, key)))


async def _lock_surveys(connection: AsyncConnection, key: ConversationKey) -> list[str]:
    """The workspace's survey ids, locked against closes and other forgets (module docstring)."""
    query = (
        select(Survey.id)
        .where(Survey.platform == key.platform, Survey.workspace == key.workspace)
        .order_by(Survey.id)
        .with_for_update(key_share=True)
    )
    return list((await connection.execute(query)).scalars())


async def _delete_answers(
    connection: AsyncConnection, survey_ids: Sequence[str], respondent_key: Callable[[str], str]
) -> int:
    """The person's responses (`_delete_keyed`)."""
    rows = (SurveyResponse.survey_id, SurveyResponse.respondent_key)
    return await _delete_keyed(connection, rows, survey_ids, respondent_key)


async def _delete_marks(
    connection: AsyncConnection, survey_ids: Sequence[str], member_key: Callable[[str], str]
) -> int:
    """The person's reminder marks on open surveys (`_delete_keyed`)."""
    rows = (SurveyMark.survey_id, SurveyMark.member_key)
    return await _delete_keyed(connection, rows, survey_ids, member_key)


async def _delete_keyed(
    connection: AsyncConnection,
    columns: tuple[InstrumentedAttribute[str], InstrumentedAttribute[str]],
    survey_ids: Sequence[str],
    key_of: Callable[[str], str],
) -> int:
    """Rows keyed by (survey, a person's keyed hash in it), `columns` naming the two: the key
    differs per survey, and can only match in its own survey (it is an HMAC of the survey id),
    so `survey IN (...) AND key IN (...)` is exact and uses the primary key's survey prefix."""
    survey_column, key_column = columns
    deleted = 0
    for start in range(0, len(survey_ids), _IDS_PER_STATEMENT):
        chunk = survey_ids[start : start + _IDS_PER_STATEMENT]
        keys = [key_of(survey_id) for survey_id in chunk]
        deleted += await _rows(
            connection,
            delete(survey_column.class_).where(survey_column.in_(chunk), key_column.in_(keys)),
        )
    return deleted


async def _unlink_launcher(
    connection: AsyncConnection, key: ConversationKey, launcher_key: str
) -> int:
    """Surveys and series they launched stay, without the link to them: a series keeps
    running (an admin manages it) and has nobody to tell when it pauses itself."""
    series = await _rows(
        connection,
        update(SurveySeries)
        .where(
            SurveySeries.platform == key.platform,
            SurveySeries.workspace == key.workspace,
            SurveySeries.launcher_key == launcher_key,
        )
        .values(launcher_key=NOBODY, launcher=NO_LAUNCHER),
    )
    return series + await _rows(
        connection,
        update(Survey)
        .where(
            Survey.platform == key.platform,
            Survey.workspace == key.workspace,
            Survey.launcher_key == launcher_key,
        )
        .values(launcher_key=NOBODY),
    )


async def _admin_records(connection: AsyncConnection, key: ConversationKey) -> int:
    total = 0
    for table in (AuditEntry, KnowledgeLoad):
        query = select(func.count()).where(
            table.platform == key.platform,
            table.workspace == key.workspace,
            table.actor == key.user,
        )
        total += int((await connection.execute(query)).scalar_one())
    return total
