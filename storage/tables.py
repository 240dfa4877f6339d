"""The database schema as SQLAlchemy models; migrations in `storage/migrations` must match it.

Constraint names come from a naming convention so that Alembic renders the same names on
every database and every autogenerate run. Timestamps go through `UtcDateTime`: SQLite keeps
no time zone and silently drops tzinfo, so values are stored as UTC and come back as aware UTC.

The metadata also holds the tables of slack_sdk's SQLAlchemy installation store (Slack OAuth),
so that our migrations create them rather than the store's `create_all`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.repository import DELIVERY_KEY_LENGTH

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Slack ids are ~11 characters, Teams tenant and AAD object ids 36, Teams "29:..." user ids
# can exceed 100: 255 leaves room without inviting unbounded keys. Labels (knowledge version,
# recommendation, clarity) get 128, room for a version string plus a 64-character digest.
KEY_LENGTH = 255
PLATFORM_LENGTH = 32
LABEL_LENGTH = 128


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC on every backend and returned as aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Conversation(Base):
    """One live conversation per (platform, workspace, user), with its optimistic version."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LENGTH))
    workspace: Mapped[str] = mapped_column(String(KEY_LENGTH))
    user_id: Mapped[str] = mapped_column(String(KEY_LENGTH))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Assessment(Base):
    """A completed diagnostic; append-only history, read newest-first per user."""

    __tablename__ = "assessments"
    __table_args__ = (Index(None, "platform", "workspace", "user_id", "completed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LENGTH))
    workspace: Mapped[str] = mapped_column(String(KEY_LENGTH))
    user_id: Mapped[str] = mapped_column(String(KEY_LENGTH))
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    knowledge_version: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    recommendation: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    clarity: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    answers: Mapped[dict[str, str | None]] = mapped_column(JSON)
    scores: Mapped[dict[str, float]] = mapped_column(JSON)


class Delivery(Base):
    """A delivery (Slack event, Teams activity, click) already taken on. The primary key is
    what makes "is this the first time?" one atomic answer across processes; `received_at`
    lets old keys be purged once the platforms have stopped retrying."""

    __tablename__ = "deliveries"
    __table_args__ = (Index(None, "received_at"),)

    key: Mapped[str] = mapped_column(String(DELIVERY_KEY_LENGTH), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConversationReference(Base):
    """The latest conversation reference of each user: what the platform needs to message
    them unprompted (a Bot Framework ConversationReference as JSON). One row per key, replaced
    in place, so the unique constraint is also the conflict target of the upsert."""

    __tablename__ = "conversation_references"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LENGTH))
    workspace: Mapped[str] = mapped_column(String(KEY_LENGTH))
    user_id: Mapped[str] = mapped_column(String(KEY_LENGTH))
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


metadata = Base.metadata

# The store's default table names, which `AsyncSQLAlchemyInstallationStore(client_id, engine)`
# uses unless told otherwise.
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
SLACK_BOTS = SQLAlchemyInstallationStore.default_bots_table_name

# Built by slack_sdk's own builders, so they are exactly what the store reads and writes. Their
# indexes carry explicit names (`<table>_idx`), which our naming convention leaves alone; only
# the unnamed primary keys get ours (`pk_<table>`). Their timestamps are naive UTC `DateTime`
# columns, as slack_sdk declares them. Should a slack_sdk upgrade change a column, the schema
# check in tests/storage/test_migrate.py fails until a migration catches up.
slack_installations: Table = SQLAlchemyInstallationStore.build_installations_table(
    metadata, SLACK_INSTALLATIONS
)
slack_bots: Table = SQLAlchemyInstallationStore.build_bots_table(metadata, SLACK_BOTS)
