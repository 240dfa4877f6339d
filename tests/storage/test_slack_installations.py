"""slack_sdk's installation store works on the schema our migrations create.

The store is never asked to `create_tables`: if our migration and slack_sdk's table builders
ever disagree, these tests (and the schema check in test_migrate.py) say so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from storage.migrate import upgrade
from storage.sql import SqlStorage
from storage.tables import slack_bots, slack_installations

INSTALLED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(
    params=[
        pytest.param("sqlite-file", id="sqlite-file"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite-file":
        return sqlite_url
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[SqlStorage]:
    await upgrade(database_url)
    storage = SqlStorage.from_url(database_url)
    try:
        yield storage
    finally:
        await storage.close()


def installation(team_id: str = "T1", **changes: Any) -> Installation:
    values: dict[str, Any] = {
        "app_id": "A1",
        "enterprise_id": None,
        "team_id": team_id,
        "user_id": "U1",
        "bot_token": f"xoxb-{team_id}",
        "bot_id": "B1",
        "bot_user_id": "U0BOT",
        "bot_scopes": "chat:write",
        "installed_at": INSTALLED_AT.timestamp(),
    }
    values.update(changes)
    return Installation(**values)


async def count_rows(storage: SqlStorage) -> tuple[int, ...]:
    """How many rows (installations, bots) the store wrote."""
    async with storage.database.engine.connect() as connection:
        counts = [
            await connection.scalar(select(func.count()).select_from(table))
            for table in (slack_installations, slack_bots)
        ]
    return tuple(count or 0 for count in counts)


async def test_the_store_saves_finds_and_deletes_on_the_migrated_schema(
    storage: SqlStorage,
) -> None:
    store = AsyncSQLAlchemyInstallationStore(client_id="c", engine=storage.database.engine)

    await store.async_save(installation())
    await store.async_save(installation(team_id="T2"))

    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None
    assert (bot.bot_token, bot.bot_id, bot.bot_user_id, bot.bot_scopes) == (
        "xoxb-T1",
        "B1",
        "U0BOT",
        ["chat:write"],
    )
    assert bot.is_enterprise_install is False
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None
    assert (found.app_id, found.team_id, found.user_id, found.bot_token) == (
        "A1",
        "T1",
        "U1",
        "xoxb-T1",
    )
    by_user = await store.async_find_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert by_user is not None
    assert by_user.bot_token == "xoxb-T1"
    assert await count_rows(storage) == (2, 2)

    await store.async_delete_all(enterprise_id=None, team_id="T1")

    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None
    other = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert other is not None
    assert other.bot_token == "xoxb-T2"
    assert await count_rows(storage) == (1, 1)


async def test_a_reinstall_is_found_as_the_latest_installation(
    storage: SqlStorage,
) -> None:
    store = AsyncSQLAlchemyInstallationStore(client_id="c", engine=storage.database.engine)
    await store.async_save(installation(bot_token="xoxb-old"))
    later = INSTALLED_AT.timestamp() + 3600

    await store.async_save(installation(bot_token="xoxb-new", installed_at=later))

    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None
    assert bot.bot_token == "xoxb-new"


async def test_the_migrated_slack_tables_are_exactly_what_the_store_declares(
    storage: SqlStorage,
) -> None:
    # The store's own metadata, not ours: the migration must match slack_sdk itself.
    store = AsyncSQLAlchemyInstallationStore(client_id="c", engine=storage.database.engine)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: (
                    kind != "table" or name in store.metadata.tables
                ),
            },
        )
        found: list[Any] = compare_metadata(context, store.metadata)
        return found

    async with storage.database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
