"""Migrations: from an empty database to exactly the schema the models describe."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.engine import open_engine
from storage.migrate import alembic_config, current, downgrade, upgrade
from storage.tables import metadata

HEAD = "0001"
TABLES = {"alembic_version", "assessments", "conversations"}


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
    assert "CREATE TABLE conversations" in script
    assert "CREATE TABLE assessments" in script
    assert expected in script
    assert f"'{HEAD}'" in script
