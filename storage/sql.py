"""The `Repository` on SQLAlchemy: SQLite (aiosqlite) and PostgreSQL (asyncpg).

Each call is one session and one transaction, so the repository can be shared by concurrent
tasks (a session cannot). Concurrency is optimistic: a turn saves with
`UPDATE ... WHERE version = <the version it loaded>`, and a first save inserts under the unique
(platform, workspace, user_id) constraint, so of two turns that loaded the same version exactly
one wins; the other gets ConcurrentUpdateError and its transaction, assessment included, rolls
back. Database failures surface as StorageError; the original exception is chained for the
log, with bound parameters hidden by the engine.

Deliveries are deduplicated by the primary key of `deliveries`: `INSERT ... ON CONFLICT (key)
DO NOTHING` (both SQLite and PostgreSQL have it) inserts one row or none, and the row count
says which. A plain INSERT catching the unique violation would do the same, but it logs an
error on the PostgreSQL server for every retry and, inside a larger transaction, aborts it.

Conversation references are saved with `INSERT ... ON CONFLICT (platform, workspace, user_id)
DO UPDATE`, again on both databases: one statement that inserts or replaces atomically. Reading
first and then inserting or updating would race: two first saves would both see no row, and
the loser's INSERT would violate the unique constraint.

Pulse surveys (`storage.pulse.PulseRepository`) live in `storage.sql_pulse`, knowledge
loads and the audit log (`storage.admin.AdminRepository`) in `storage.sql_admin`: mixins of the
same class that share its engine and transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Insert, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from storage.checks import (
    aware_utc,
    checked_count,
    checked_delivery,
    checked_reference,
    checked_turn,
)
from storage.engine import for_writes, open_engine
from storage.repository import (
    AssessmentRecord,
    ConcurrentUpdateError,
    ConversationKey,
    DuplicateDeliveryError,
    StorageError,
    StoredConversation,
)
from storage.response_batches import ResponseBatches
from storage.sql_admin import SqlAdmin
from storage.sql_lifecycle import SqlLifecycle, purge_batch
from storage.sql_pulse import SqlPulse, delete_surveys
from storage.sql_pulse_statements import dialect_insert
from storage.tables import Assessment, Conversation, ConversationReference, Delivery, Survey
from storage.url import is_memory_sqlite


class SqlRepository(SqlPulse, SqlAdmin, SqlLifecycle):
    """A `Repository`, `PulseRepository`, `AdminRepository` and `LifecycleRepository` (forgetting
    a person, retention: `storage.sql_lifecycle`) over an `AsyncEngine`; build it
    with `from_url` so that SQLite gets its busy timeout, WAL and write-lock handling (see
    `storage.engine`).
    The schema must exist: run `storage.migrate.upgrade` (or `upgrade_engine` for an
    in-memory database)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reads = async_sessionmaker(engine, expire_on_commit=False)
        self._writes = async_sessionmaker(for_writes(engine), expire_on_commit=False)
        # An in-memory SQLite database is one shared connection, which holds one transaction
        # at a time: calls must take turns or their transactions would interleave.
        self._one_at_a_time = asyncio.Lock() if is_memory_sqlite(engine.url) else None
        # A file SQLite database has one write lock. Writers of this process queue here, in
        # order, instead of in SQLite's busy handler, which sleeps and retries with growing
        # back-offs (up to 100 ms) and so starves some writers for seconds under a burst.
        # Writers in other processes still wait on the busy timeout.
        self._one_writer = (
            asyncio.Lock()
            if engine.url.get_backend_name() == "sqlite" and self._one_at_a_time is None
            else None
        )
        # PostgreSQL: transactions take a pooled connection in the order they asked for one.
        # SQLAlchemy's async pool hands a returned connection to whoever asks next, ahead of
        # those already waiting, so under a burst some requests waited for seconds while most
        # were served at once (a p99 several times the p50).
        self._in_turn = (
            asyncio.Semaphore(_pool_capacity(engine))
            if engine.url.get_backend_name() != "sqlite"
            else None
        )
        self._responses = ResponseBatches(self._write_responses)

    @classmethod
    def from_url(
        cls, url: str, *, pool_size: int | None = None, echo: bool = False
    ) -> SqlRepository:
        """A repository for any URL `storage.url.normalize_database_url` accepts."""
        return cls(open_engine(url, pool_size=pool_size, echo=echo))

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def load_conversation(self, key: ConversationKey) -> StoredConversation | None:
        async with self._transaction("load the conversation") as session:
            row = await session.scalar(select(Conversation).where(_is_conversation(key)))
        if row is None:
            return None
        return StoredConversation(key, row.state, row.version, row.updated_at)

    async def save_turn(
        self,
        key: ConversationKey,
        state: dict[str, Any],
        expected_version: int | None,
        now: datetime,
        assessment: AssessmentRecord | None = None,
        delivery_key: str | None = None,
    ) -> int:
        saved_state, updated_at, record = checked_turn(key, state, now, assessment)
        delivery = None if delivery_key is None else checked_delivery(delivery_key, now)
        async with self._transaction("save the turn", write=True) as session:
            if delivery is not None:
                connection = await session.connection()
                if not await _insert_delivery(connection, self._engine.dialect.name, *delivery):
                    raise DuplicateDeliveryError("this delivery was processed before")
            if expected_version is None:
                version = await _insert_conversation(session, key, saved_state, updated_at)
            else:
                version = await _update_conversation(
                    session, key, saved_state, expected_version, updated_at
                )
            if record is not None:
                await session.execute(insert(Assessment).values(_assessment_row(record)))
        return version

    async def latest_assessment(self, key: ConversationKey) -> AssessmentRecord | None:
        query = (
            select(Assessment)
            .where(_is_assessment_of(key))
            .order_by(Assessment.completed_at.desc(), Assessment.id.desc())
            .limit(1)
        )
        async with self._transaction("read the latest assessment") as session:
            row = await session.scalar(query)
        return None if row is None else _assessment_record(key, row)

    async def list_assessments(self, key: ConversationKey) -> list[AssessmentRecord]:
        query = (
            select(Assessment)
            .where(_is_assessment_of(key))
            .order_by(Assessment.completed_at, Assessment.id)
        )
        async with self._transaction("list the assessments") as session:
            rows = (await session.scalars(query)).all()
        return [_assessment_record(key, row) for row in rows]

    async def save_reference(
        self, key: ConversationKey, reference: dict[str, Any], now: datetime
    ) -> None:
        saved, updated_at = checked_reference(reference, now)
        row = {
            "platform": key.platform,
            "workspace": key.workspace,
            "user_id": key.user,
            "reference": saved,
            "updated_at": updated_at,
        }
        statement = _upsert_reference(self._engine.dialect.name, row)
        async with self._transaction("save the conversation reference", write=True) as session:
            connection = await session.connection()
            await connection.execute(statement)

    async def load_reference(self, key: ConversationKey) -> dict[str, Any] | None:
        query = select(ConversationReference.reference).where(_is_reference_of(key))
        async with self._transaction("load the conversation reference") as session:
            reference: dict[str, Any] | None = await session.scalar(query)
        return reference

    async def record_delivery(self, key: str, now: datetime) -> bool:
        key, received_at = checked_delivery(key, now)
        async with self._transaction("record the delivery", write=True) as session:
            connection = await session.connection()
            return await _insert_delivery(connection, self._engine.dialect.name, key, received_at)

    async def purge_deliveries(self, before: datetime, limit: int | None = None) -> int:
        cutoff = aware_utc(before, "before")
        statement = delete(Delivery).where(Delivery.received_at < cutoff)
        if limit is not None:
            # The oldest `limit` keys; concurrent purges skip each other's (storage.lifecycle).
            batch = purge_batch(
                select(Delivery.key).where(Delivery.received_at < cutoff),
                Delivery.received_at,
                Delivery.key,
                limit=checked_count(limit),
            )
            statement = delete(Delivery).where(Delivery.key.in_(batch))
        async with self._transaction("purge the deliveries", write=True) as session:
            connection = await session.connection()
            result = await connection.execute(statement)
        return result.rowcount

    async def delete_workspace(self, platform: str, workspace: str) -> int:
        async with self._transaction("delete the workspace", write=True) as session:
            # Core-level DELETEs: no objects to load or synchronise, and exact row counts.
            connection = await session.connection()
            conversations = await connection.execute(
                delete(Conversation).where(
                    Conversation.platform == platform, Conversation.workspace == workspace
                )
            )
            assessments = await connection.execute(
                delete(Assessment).where(
                    Assessment.platform == platform, Assessment.workspace == workspace
                )
            )
            references = await connection.execute(
                delete(ConversationReference).where(
                    ConversationReference.platform == platform,
                    ConversationReference.workspace == workspace,
                )
            )
            surveys = await delete_surveys(
                connection, and_(Survey.platform == platform, Survey.workspace == workspace)
            )
        return conversations.rowcount + assessments.rowcount + references.rowcount + surveys

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _transaction(self, doing: str, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """One session in one transaction, committed on success; database errors become
        StorageError (ConcurrentUpdateError and the caller's own errors pass through)."""
        sessions = self._writes if write else self._reads
        queue = (
            self._one_at_a_time
            or (self._one_writer if write else None)
            or self._in_turn
            or nullcontext()
        )
        try:
            async with queue, sessions.begin() as session:
                yield session
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(f"could not {doing}: {type(exc).__name__}") from exc


async def _insert_conversation(
    session: AsyncSession, key: ConversationKey, state: dict[str, Any], now: datetime
) -> int:
    row = {
        "platform": key.platform,
        "workspace": key.workspace,
        "user_id": key.user,
        "state": state,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await session.execute(insert(Conversation).values(row))
    except IntegrityError:
        # Only the unique key can be violated here: another turn created it first.
        raise ConcurrentUpdateError("the conversation was created since it was loaded") from None
    return 1


async def _update_conversation(
    session: AsyncSession,
    key: ConversationKey,
    state: dict[str, Any],
    expected_version: int,
    now: datetime,
) -> int:
    version = expected_version + 1
    # Core-level execution: a plain UPDATE whose rowcount says whether the version matched.
    connection = await session.connection()
    result = await connection.execute(
        update(Conversation)
        .where(_is_conversation(key), Conversation.version == expected_version)
        .values(state=state, version=version, updated_at=now)
    )
    if result.rowcount != 1:
        raise ConcurrentUpdateError("the conversation changed since it was loaded")
    return version


async def _insert_delivery(
    connection: AsyncConnection, dialect: str, key: str, at: datetime
) -> bool:
    """Record the delivery `key` unless it is there already; True when this call inserted it.
    Only a conflict on the key is ignored (not any constraint, as SQLite's INSERT OR IGNORE
    would)."""
    statement = (
        dialect_insert(dialect, Delivery)
        .values(key=key, received_at=at)
        .on_conflict_do_nothing(index_elements=[Delivery.key])
    )
    return (await connection.execute(statement)).rowcount == 1


def _upsert_reference(dialect: str, row: dict[str, Any]) -> Insert:
    """An INSERT of `row` into `conversation_references` that, when the user already has a
    reference, replaces its reference and time instead. Only a conflict on the user's key is
    resolved so (not any constraint, as SQLite's INSERT OR REPLACE would)."""
    key_columns = [
        ConversationReference.platform,
        ConversationReference.workspace,
        ConversationReference.user_id,
    ]
    statement = dialect_insert(dialect, ConversationReference).values(row)
    return statement.on_conflict_do_update(
        index_elements=key_columns,
        set_={
            "reference": statement.excluded.reference,
            "updated_at": statement.excluded.updated_at,
        },
    )


def _is_conversation(key: ConversationKey) -> ColumnElement[bool]:
    return and_(
        Conversation.platform == key.platform,
        Conversation.workspace == key.workspace,
        Conversation.user_id == key.user,
    )


def _is_assessment_of(key: ConversationKey) -> ColumnElement[bool]:
    return and_(
        Assessment.platform == key.platform,
        Assessment.workspace == key.workspace,
        Assessment.user_id == key.user,
    )


def _is_reference_of(key: ConversationKey) -> ColumnElement[bool]:
    return and_(
        ConversationReference.platform == key.platform,
        ConversationReference.workspace == key.workspace,
        ConversationReference.user_id == key.user,
    )


def _assessment_row(record: AssessmentRecord) -> dict[str, Any]:
    return {
        "platform": record.key.platform,
        "workspace": record.key.workspace,
        "user_id": record.key.user,
        "completed_at": record.completed_at,
        "knowledge_version": record.knowledge_version,
        "recommendation": record.recommendation,
        "clarity": record.clarity,
        "answers": record.answers,
        "scores": record.scores,
    }


def _assessment_record(key: ConversationKey, row: Assessment) -> AssessmentRecord:
    return AssessmentRecord(
        key=key,
        completed_at=row.completed_at,
        knowledge_version=row.knowledge_version,
        recommendation=row.recommendation,
        clarity=row.clarity,
        answers=dict(row.answers),
        scores=dict(row.scores),
    )


def _pool_capacity(engine: AsyncEngine) -> int:
    """How many connections the pool keeps. Lending more would open "overflow" connections,
    which the pool closes as soon as they come back: under a burst, a new connection (and a new
    PostgreSQL backend) for every few transactions."""
    size = getattr(engine.sync_engine.pool, "size", None)
    return max(1, int(size())) if callable(size) else 5
