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
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.admin import ACTION_LENGTH, OUTCOME_LENGTH
from storage.conversations import DELIVERY_KEY_LENGTH, KEY_LENGTH, LABEL_LENGTH, PLATFORM_LENGTH
from storage.pulse import RESPONDENT_KEY_LENGTH, SURVEY_ID_LENGTH
from storage.series import MEMBER_KEY_LENGTH, SERIES_ID_LENGTH, TIMEZONE_LENGTH

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# KEY_LENGTH, PLATFORM_LENGTH and LABEL_LENGTH are in `storage.conversations`, where the argument
# checks (which must not import SQLAlchemy for the in-memory stores) find them too.

# "open" or "closed" (`storage.pulse.SurveyStatus`), with room to spare.
STATUS_LENGTH = 16


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


class Survey(Base):
    """A team pulse survey (`storage.pulse.SurveyRecord`) and its scheduling state.

    `results_claimed_until` and `count_refresh_until` are the leases of the conditional
    updates that hand out the jobs of posting the results and refreshing the live count; the
    status and time columns are what `surveys_due` selects on.
    """

    __tablename__ = "surveys"
    __table_args__ = (
        Index(None, "platform", "workspace", "channel", "created_at"),  # latest_survey
        Index(None, "status", "deadline"),  # surveys_due
        # A round opens once, whatever the claims do; also series_rounds' index. (Surveys
        # outside a series have NULLs here, which a unique constraint never compares equal.)
        # (A unique index rather than a constraint: SQLite adds an index in place, where a
        # constraint would rebuild the table.)
        Index(None, "series_id", "round_number", unique=True),
    )

    id: Mapped[str] = mapped_column(String(SURVEY_ID_LENGTH), primary_key=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LENGTH))
    workspace: Mapped[str] = mapped_column(String(KEY_LENGTH))
    channel: Mapped[str] = mapped_column(String(KEY_LENGTH))
    launcher_key: Mapped[str] = mapped_column(String(RESPONDENT_KEY_LENGTH))
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    knowledge_version: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    # none_as_null: an open survey's tally is SQL NULL, not the JSON text "null".
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    results_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    results_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    count_refresh_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    series_id: Mapped[str | None] = mapped_column(String(SERIES_ID_LENGTH))
    round_number: Mapped[int | None] = mapped_column(Integer)
    # The leases of posting a round's card and of sending the private reminders.
    card_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminders_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SurveySeries(Base):
    """A recurring pulse (`storage.series.SeriesRecord`): when its next round opens, and how."""

    __tablename__ = "survey_series"
    __table_args__ = (
        Index(None, "platform", "workspace", "channel", "created_at"),  # channel_series
        Index(None, "status", "next_open_at"),  # series_due
    )

    id: Mapped[str] = mapped_column(String(SERIES_ID_LENGTH), primary_key=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LENGTH))
    workspace: Mapped[str] = mapped_column(String(KEY_LENGTH))
    channel: Mapped[str] = mapped_column(String(KEY_LENGTH))
    launcher: Mapped[str] = mapped_column(String(KEY_LENGTH))
    launcher_key: Mapped[str] = mapped_column(String(RESPONDENT_KEY_LENGTH))
    cadence: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_LENGTH))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    round_seconds: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    remind: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_open_at: Mapped[datetime] = mapped_column(UtcDateTime)
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    next_occurrence: Mapped[int] = mapped_column(Integer)
    next_round: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    paused_reason: Mapped[str | None] = mapped_column(String(STATUS_LENGTH))


class SurveyMark(Base):
    """Who of an open survey's channel responded or was reminded, as member keys only (a keyed
    hash of its own label: never joinable with `survey_responses`). Deleted at close. WITHOUT
    ROWID on SQLite so rows sit in key order, not in the order people answered."""

    __tablename__ = "survey_marks"
    __table_args__ = ({"sqlite_with_rowid": False},)

    survey_id: Mapped[str] = mapped_column(
        String(SURVEY_ID_LENGTH), ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    member_key: Mapped[str] = mapped_column(String(MEMBER_KEY_LENGTH), primary_key=True)
    responded: Mapped[bool] = mapped_column(Boolean)
    reminded: Mapped[bool] = mapped_column(Boolean)


class SurveyResponse(Base):
    """One respondent's current answers to one survey: the primary key is what makes a second
    answer replace the first. Deliberately nothing else: no user id, no timestamp, no
    autoincrementing id (see `storage.pulse` on anonymity). On SQLite the table is WITHOUT
    ROWID, so rows are kept in key order, which is the order of the respondent hashes, not of
    the answers' arrival that a rowid would record. (PostgreSQL's row versions still show the
    order of writes to whoever administers the database: no schema can hide that.)

    The foreign key cascades on PostgreSQL; SQLite leaves foreign keys unenforced unless told
    (and turning that on would make Alembic's batch table rebuilds cascade), so the stores
    deletes responses explicitly before their survey on every database.
    """

    __tablename__ = "survey_responses"
    __table_args__ = ({"sqlite_with_rowid": False},)

    survey_id: Mapped[str] = mapped_column(
        String(SURVEY_ID_LENGTH), ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    respondent_key: Mapped[str] = mapped_column(String(RESPONDENT_KEY_LENGTH), primary_key=True)
    answers: Mapped[dict[str, str]] = mapped_column(JSON)


class KnowledgeLoad(Base):
    """One attempt to load the knowledge (`storage.admin.KnowledgeLoadRecord`). The latest row
    with outcome 'ok' is the active knowledge; the index makes finding it, which every process
    does every few seconds, one index lookup. `files` (path -> text) is only read when the
    version changed."""

    __tablename__ = "knowledge_loads"
    __table_args__ = (Index(None, "outcome", "id"), Index(None, "version"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LENGTH))
    workspace: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    actor: Mapped[str] = mapped_column(String(KEY_LENGTH))
    outcome: Mapped[str] = mapped_column(String(OUTCOME_LENGTH))
    version: Mapped[str | None] = mapped_column(String(LABEL_LENGTH))
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    errors: Mapped[list[str]] = mapped_column(JSON)
    files: Mapped[dict[str, str]] = mapped_column(JSON)


class AuditEntry(Base):
    """One admin action (`storage.admin.AuditRecord`), append-only and kept when a workspace
    is deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    platform: Mapped[str] = mapped_column(String(PLATFORM_LENGTH))
    workspace: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    actor: Mapped[str] = mapped_column(String(KEY_LENGTH))
    action: Mapped[str] = mapped_column(String(ACTION_LENGTH))
    outcome: Mapped[str] = mapped_column(String(OUTCOME_LENGTH))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


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
