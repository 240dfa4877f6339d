"""The database schema as SQLAlchemy models; migrations in `storage/migrations` must match it.

Constraint names come from a naming convention so that Alembic renders the same names on
every database and every autogenerate run. Timestamps go through `UtcDateTime`: SQLite keeps
no time zone and silently drops tzinfo, so values are stored as UTC and come back as aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

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


metadata = Base.metadata
