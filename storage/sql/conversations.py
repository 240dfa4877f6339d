"""`ConversationStore` on SQLAlchemy: SQLite (aiosqlite) and PostgreSQL (asyncpg).

A turn (`run_turn`) is one write transaction: the delivery, the load, the engine's step, the
save. Concurrency is still optimistic: it saves with `UPDATE ... WHERE version = <the version it
loaded>`, and a first save inserts under the unique (platform, workspace, user_id) constraint,
so of two turns that loaded the same version exactly one wins; the other gets
ConcurrentUpdateError and its transaction, assessment included, rolls back.

Deliveries are deduplicated by the primary key of `deliveries`: `INSERT ... ON CONFLICT (key)
DO NOTHING` (both SQLite and PostgreSQL have it) inserts one row or none, and the row count
says which. A plain INSERT catching the unique violation would do the same, but it logs an
error on the PostgreSQL server for every retry and, inside a larger transaction, aborts it.

Conversation references are saved with `INSERT ... ON CONFLICT (platform, workspace, user_id)
DO UPDATE`, again on both databases: one statement that inserts or replaces atomically. Reading
first and then inserting or updating would race: two first saves would both see no row, and
the loser's INSERT would violate the unique constraint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Insert, and_, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from storage.checks.common import checked_count
from storage.checks.conversations import checked_delivery, checked_reference, checked_turn
from storage.conversations import (
    AssessmentRecord,
    ConversationKey,
    StoredConversation,
    TurnStep,
)
from storage.errors import ConcurrentUpdateError, DuplicateDeliveryError
from storage.sql.database import Database, dialect_insert
from storage.tables import Assessment, Conversation, ConversationReference, Delivery

# The statements of every turn (load, update, the delivery), built once with parameters: a
# statement object costs more to build than SQLAlchemy's cached compilation of it.
_KEY_IS = and_(
    Conversation.platform == bindparam("key_platform"),
    Conversation.workspace == bindparam("key_workspace"),
    Conversation.user_id == bindparam("key_user"),
)
_LOAD = select(Conversation.state, Conversation.version, Conversation.updated_at).where(_KEY_IS)
_UPDATE = (
    update(Conversation)
    .where(_KEY_IS, Conversation.version == bindparam("expected_version"))
    .values(
        state=bindparam("new_state", type_=Conversation.__table__.c.state.type),
        version=bindparam("new_version"),
        updated_at=bindparam("new_updated_at", type_=Conversation.__table__.c.updated_at.type),
    )
)
_INSERT_DELIVERY: dict[str, Insert] = {}


def _key_params(key: ConversationKey) -> dict[str, str]:
    return {"key_platform": key.platform, "key_workspace": key.workspace, "key_user": key.user}


class SqlConversations:
    """A `ConversationStore` over a `Database`, each call one of its transactions."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def load_conversation(self, key: ConversationKey) -> StoredConversation | None:
        return await self._db.run("load the conversation", lambda db: _load(db, key))

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
        dialect = self._db.dialect

        def save(db: Connection) -> int:
            if delivery is not None:
                _first_delivery(db, dialect, *delivery)
            return _save(db, key, saved_state, expected_version, updated_at, record)

        return await self._db.run("save the turn", save, write=True)

    async def run_turn(
        self,
        key: ConversationKey,
        step: TurnStep,
        now: datetime,
        delivery_key: str | None = None,
    ) -> int | None:
        delivery = None if delivery_key is None else checked_delivery(delivery_key, now)
        dialect = self._db.dialect

        def turn(db: Connection) -> int | None:
            # The delivery first: a redelivery costs one statement and reads nothing.
            if delivery is not None:
                _first_delivery(db, dialect, *delivery)
            stored = _load(db, key)
            decided = step(stored)
            if decided.state is None:
                return None
            saved_state, updated_at, record = checked_turn(
                key, decided.state, now, decided.assessment
            )
            expected_version = None if stored is None else stored.version
            return _save(db, key, saved_state, expected_version, updated_at, record)

        return await self._db.run("run the turn", turn, write=True)

    async def latest_assessment(self, key: ConversationKey) -> AssessmentRecord | None:
        query = (
            select(Assessment)
            .where(_is_assessment_of(key))
            .order_by(Assessment.completed_at.desc(), Assessment.id.desc())
            .limit(1)
        )
        async with self._db.transaction("read the latest assessment") as session:
            row = await session.scalar(query)
        return None if row is None else _assessment_record(key, row)

    async def list_assessments(
        self, key: ConversationKey, limit: int | None = None
    ) -> list[AssessmentRecord]:
        query = select(Assessment).where(_is_assessment_of(key))
        if limit is None:
            query = query.order_by(Assessment.completed_at, Assessment.id)
        else:
            # Newest first along the (user, completed_at) index, then put back in order.
            newest = (Assessment.completed_at.desc(), Assessment.id.desc())
            query = query.order_by(*newest).limit(checked_count(limit))
        async with self._db.transaction("list the assessments") as session:
            rows = (await session.scalars(query)).all()
        records = [_assessment_record(key, row) for row in rows]
        return records if limit is None else records[::-1]

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
        statement = _upsert_reference(self._db.dialect, row)

        def save(db: Connection) -> None:
            db.execute(statement)

        await self._db.run("save the conversation reference", save, write=True)

    async def load_reference(self, key: ConversationKey) -> dict[str, Any] | None:
        query = select(ConversationReference.reference).where(_is_reference_of(key))
        async with self._db.transaction("load the conversation reference") as session:
            reference: dict[str, Any] | None = await session.scalar(query)
        return reference

    async def record_delivery(self, key: str, now: datetime) -> bool:
        key, received_at = checked_delivery(key, now)
        dialect = self._db.dialect
        return await self._db.run(
            "record the delivery",
            lambda db: _insert_delivery(db, dialect, key, received_at),
            write=True,
        )


def _first_delivery(db: Connection, dialect: str, key: str, at: datetime) -> None:
    if not _insert_delivery(db, dialect, key, at):
        raise DuplicateDeliveryError("this delivery was processed before")


def _load(db: Connection, key: ConversationKey) -> StoredConversation | None:
    row = db.execute(_LOAD, _key_params(key)).first()
    if row is None:
        return None
    return StoredConversation(key, row.state, row.version, row.updated_at)


def _save(
    db: Connection,
    key: ConversationKey,
    state: dict[str, Any],
    expected_version: int | None,
    now: datetime,
    record: AssessmentRecord | None,
) -> int:
    """The new state over `expected_version` (None: the first save), and the assessment."""
    if expected_version is None:
        version = _insert_conversation(db, key, state, now)
    else:
        version = _update_conversation(db, key, state, expected_version, now)
    if record is not None:
        db.execute(insert(Assessment).values(_assessment_row(record)))
    return version


def _insert_conversation(
    db: Connection, key: ConversationKey, state: dict[str, Any], now: datetime
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
        db.execute(insert(Conversation).values(row))
    except IntegrityError:
        # Only the unique key can be violated here: another turn created it first.
        raise ConcurrentUpdateError("the conversation was created since it was loaded") from None
    return 1


def _update_conversation(
    db: Connection,
    key: ConversationKey,
    state: dict[str, Any],
    expected_version: int,
    now: datetime,
) -> int:
    version = expected_version + 1
    parameters = {
        **_key_params(key),
        "expected_version": expected_version,
        "new_state": state,
        "new_version": version,
        "new_updated_at": now,
    }
    # A plain UPDATE whose rowcount says whether the version matched.
    result = db.execute(_UPDATE, parameters)
    if result.rowcount != 1:
        raise ConcurrentUpdateError("the conversation changed since it was loaded")
    return version


def _insert_delivery(db: Connection, dialect: str, key: str, at: datetime) -> bool:
    """Record the delivery `key` unless it is there already; True when this call inserted it.
    Only a conflict on the key is ignored (not any constraint, as SQLite's INSERT OR IGNORE
    would)."""
    statement = _INSERT_DELIVERY.get(dialect)
    if statement is None:
        statement = _INSERT_DELIVERY[dialect] = (
            dialect_insert(dialect, Delivery)
            .values(
                key=bindparam("delivery_key"),
                received_at=bindparam("delivery_at", type_=Delivery.__table__.c.received_at.type),
            )
            .on_conflict_do_nothing(index_elements=[Delivery.key])
        )
    parameters = {"delivery_key": key, "delivery_at": at}
    return db.execute(statement, parameters).rowcount == 1


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
