"""Migrations: from an empty database to exactly the schema the models describe."""

from __future__ import annotations

import ast
import asyncio
import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.conversations import ConversationKey
from storage.engine import open_engine
from storage.migrate import MIGRATIONS, alembic_config, current, downgrade, upgrade
from storage.sql import SqlStorage
from storage.tables import metadata

HEAD = "0006"
TABLES_0001 = {"alembic_version", "assessments", "conversations"}
TABLES_0002 = TABLES_0001 | {"deliveries", "slack_bots", "slack_installations"}
TABLES_0003 = TABLES_0002 | {"conversation_references"}
TABLES_0004 = TABLES_0003 | {"surveys", "survey_responses"}
TABLES_0005 = TABLES_0004 | {"knowledge_loads", "audit_log"}
TABLES = TABLES_0005 | {"survey_series", "survey_marks"}
VERSIONS = MIGRATIONS / "versions"


@pytest.fixture(
    params=[
        pytest.param("sqlite-file", id="sqlite-file"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """An empty database; PostgreSQL in a schema of the test's own (see `postgres_url`)."""
    if request.param == "sqlite-file":
        return sqlite_url
    url: str = request.getfixturevalue("postgres_url")
    return url


async def on_connection(url: str, inspect_with: Any) -> Any:
    engine = open_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(inspect_with)
    finally:
        await engine.dispose()


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def index_names(connection: Connection) -> set[str]:
    inspector = inspect(connection)
    return {
        str(index["name"])
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
    }


def schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences: list[Any] = compare_metadata(context, metadata)
    return differences


async def test_upgrade_takes_an_empty_database_to_head(database_url: str) -> None:
    assert await current(database_url) is None

    await upgrade(database_url)

    assert await current(database_url) == HEAD
    assert await on_connection(database_url, table_names) == TABLES


async def test_the_migrated_schema_matches_the_models_exactly(database_url: str) -> None:
    await upgrade(database_url)

    assert await on_connection(database_url, schema_differences) == []


async def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    await upgrade(database_url)
    await upgrade(database_url)

    assert await current(database_url) == HEAD


async def test_downgrade_to_base_removes_the_tables_and_upgrade_restores_them(
    database_url: str,
) -> None:
    await upgrade(database_url)

    await downgrade(database_url, "base")

    assert await current(database_url) is None
    assert await on_connection(database_url, table_names) == {"alembic_version"}
    await upgrade(database_url)
    assert await on_connection(database_url, schema_differences) == []


async def test_the_new_tables_get_their_indexes_under_stable_names(database_url: str) -> None:
    await upgrade(database_url)

    assert await on_connection(database_url, index_names) >= {
        "ix_assessments_platform_workspace_user_id_completed_at",
        "ix_deliveries_received_at",
        "slack_installations_idx",
        "slack_bots_idx",
        "ix_surveys_platform_workspace_channel_created_at",
        "ix_surveys_status_deadline",
        "ix_knowledge_loads_outcome_id",
        "ix_knowledge_loads_version",
        "ix_audit_log_at",
    }


@asynccontextmanager
async def downgraded_to(url: str, revision: str, tables: set[str]) -> AsyncIterator[SqlStorage]:
    """The database upgraded, then downgraded to `revision`, which must leave exactly
    `tables`; a storage on it for the block, which upgrades it again. Once the block is
    done the database must be at head with no schema differences."""
    await upgrade(url)
    await downgrade(url, revision)
    assert await current(url) == revision
    assert await on_connection(url, table_names) == tables
    storage = SqlStorage.from_url(url)
    try:
        yield storage
    finally:
        await storage.close()
    assert await current(url) == HEAD
    assert await on_connection(url, schema_differences) == []


async def test_downgrade_to_0001_removes_only_the_new_tables_and_keeps_the_data(
    database_url: str,
) -> None:
    key = ConversationKey("slack", "T0001", "U0001")
    now = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    # A database at 0001 holding conversations is upgraded without losing them.
    async with downgraded_to(database_url, "0001", TABLES_0001) as storage:
        await storage.conversations.save_turn(key, {"kept": True}, None, now)
        await upgrade(database_url)
        stored = await storage.conversations.load_conversation(key)
        assert await storage.conversations.record_delivery("Ev0001", now) is True
    assert stored is not None
    assert stored.state == {"kept": True}


async def test_downgrade_to_0002_removes_only_the_references_and_keeps_the_data(
    database_url: str,
) -> None:
    key = ConversationKey("teams", "tenant-1", "29:user-1")
    now = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    # A database at 0002 holding conversations and deliveries is upgraded without losing them.
    async with downgraded_to(database_url, "0002", TABLES_0002) as storage:
        await storage.conversations.save_turn(key, {"kept": True}, None, now)
        await storage.conversations.record_delivery("Ev0001", now)
        await upgrade(database_url)
        stored = await storage.conversations.load_conversation(key)
        assert await storage.conversations.record_delivery("Ev0001", now) is False
        await storage.conversations.save_reference(key, {"conversation": {"id": "a:1"}}, now)
        assert await storage.conversations.load_reference(key) == {"conversation": {"id": "a:1"}}
    assert stored is not None
    assert stored.state == {"kept": True}


async def test_downgrade_to_0003_removes_only_the_surveys_and_keeps_the_data(
    database_url: str,
) -> None:
    key = ConversationKey("teams", "tenant-1", "29:user-1")
    now = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    # A database at 0003 holding references is upgraded without losing them.
    async with downgraded_to(database_url, "0003", TABLES_0003) as storage:
        await storage.conversations.save_reference(key, {"conversation": {"id": "a:1"}}, now)
        await upgrade(database_url)
        assert await storage.conversations.load_reference(key) == {"conversation": {"id": "a:1"}}
        assert await storage.pulse.latest_survey("teams", "tenant-1", "a:1") is None


async def test_downgrade_to_0004_removes_only_the_admin_tables_and_keeps_the_data(
    database_url: str,
) -> None:
    key = ConversationKey("slack", "T0001", "U0001")
    now = datetime(2026, 1, 8, 9, 30, tzinfo=UTC)
    async with downgraded_to(database_url, "0004", TABLES_0004) as storage:
        await storage.conversations.save_turn(key, {"kept": True}, None, now)
        await upgrade(database_url)
        stored = await storage.conversations.load_conversation(key)
        assert await storage.admin.active_knowledge() is None
        assert await storage.admin.audit_entries() == []
    assert stored is not None
    assert stored.state == {"kept": True}


async def test_downgrade_to_0005_removes_only_the_series_and_keeps_the_data(
    database_url: str,
) -> None:
    key = ConversationKey("slack", "T0001", "U0001")
    now = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    async with downgraded_to(database_url, "0005", TABLES_0005) as storage:
        await storage.conversations.save_turn(key, {"kept": True}, None, now)
        await upgrade(database_url)
        stored = await storage.conversations.load_conversation(key)
        assert await storage.series.channel_series("slack", "T0001", "C0001") == []
        assert await storage.series.series_due(now) == []
    assert stored is not None
    assert stored.state == {"kept": True}


async def test_a_response_row_holds_no_user_and_no_time(database_url: str) -> None:
    # Anonymity by construction (storage.pulse): the survey, the keyed hash, the answers.
    await upgrade(database_url)

    def response_columns(connection: Connection) -> list[str]:
        return [column["name"] for column in inspect(connection).get_columns("survey_responses")]

    assert await on_connection(database_url, response_columns) == [
        "survey_id",
        "respondent_key",
        "answers",
    ]


async def test_sqlite_keeps_no_arrival_order_of_responses(sqlite_url: str) -> None:
    # Without a rowid, SQLite stores responses in key order, not in the order they came in.
    await upgrade(sqlite_url)

    def table_sql(connection: Connection) -> str:
        query = text("SELECT sql FROM sqlite_master WHERE name = 'survey_responses'")
        return str(connection.execute(query).scalar_one())

    assert (await on_connection(sqlite_url, table_sql)).rstrip().endswith("WITHOUT ROWID")


@pytest.mark.parametrize("script", sorted(VERSIONS.glob("*.py")), ids=lambda path: path.stem)
def test_migrations_do_not_import_the_live_models(script: Path) -> None:
    # A migration is history: were it to build tables from storage.tables or slack_sdk, it
    # would change whenever they do, and old databases would be migrated to the wrong schema.
    tree = ast.parse(script.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }

    assert imported <= {"collections", "sqlalchemy", "alembic"}


@pytest.mark.postgres
async def test_postgres_tables_and_version_table_live_in_the_test_schema(
    postgres_url: str,
) -> None:
    await upgrade(postgres_url)

    def schema_and_tables(connection: Connection) -> tuple[str, set[str]]:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        names = connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema},
        )
        return schema, set(names.scalars())

    schema, tables = await on_connection(postgres_url, schema_and_tables)
    assert schema.startswith("adv_test_")
    assert tables == TABLES


async def test_migrating_leaves_the_applications_logging_alone(sqlite_url: str) -> None:
    root = logging.getLogger()
    application = logging.getLogger("bot.service")
    before = (list(root.handlers), root.level, application.disabled, application.level)

    await upgrade(sqlite_url)

    assert (list(root.handlers), root.level, application.disabled, application.level) == before


async def test_the_alembic_command_line_path_migrates_on_its_own_engine(database_url: str) -> None:
    # Without a handed-over connection env.py runs its own event loop, as under the
    # `alembic` command; a thread keeps it clear of the test's loop.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")

    assert await current(database_url) == HEAD
    assert await on_connection(database_url, schema_differences) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///advisor.db", "DATETIME"),
        ("postgres://advisor:secret@db.example.com/advisor", "TIMESTAMP WITH TIME ZONE"),
    ],
)
def test_offline_mode_writes_the_sql_script(url: str, expected: str) -> None:
    config = alembic_config(url)
    config.output_buffer = io.StringIO()

    command.upgrade(config, "head", sql=True)

    script = config.output_buffer.getvalue()
    for table in (
        "conversations",
        "assessments",
        "deliveries",
        "slack_installations",
        "conversation_references",
        "surveys",
        "survey_responses",
        "knowledge_loads",
        "audit_log",
        "survey_series",
        "survey_marks",
    ):
        assert f"CREATE TABLE {table}" in script
    assert "CREATE INDEX slack_bots_idx ON slack_bots" in script
    assert expected in script
    assert f"'{HEAD}'" in script
