"""What only the SQL storage has to get right: error wrapping, SQLite locking, pooling."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.conversations import ConversationKey
from storage.errors import StorageError
from storage.migrate import upgrade
from storage.sql import SqlStorage

KEY = ConversationKey("slack", "T0001", "U0001")
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
SECRET = "the user's confidential answer"


@pytest.fixture(
    params=[
        pytest.param("sqlite-file", id="sqlite-file"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def unmigrated_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite-file":
        return sqlite_url
    url: str = request.getfixturevalue("postgres_url")
    return url


async def test_database_failures_are_storage_errors_that_never_show_the_state(
    unmigrated_url: str,
) -> None:
    storage = SqlStorage.from_url(unmigrated_url)
    try:
        with pytest.raises(StorageError, match="could not save the turn") as raised:
            await storage.conversations.save_turn(KEY, {"answer": SECRET}, None, NOW)
    finally:
        await storage.close()

    printed = "".join(traceback.format_exception(raised.value))
    assert raised.value.__cause__ is not None
    assert SECRET not in printed


async def test_an_unreachable_server_is_a_storage_error() -> None:
    # Port 1 on the loopback interface: refused at once, nothing leaves the machine.
    storage = SqlStorage.from_url("postgresql://advisor@127.0.0.1:1/advisor")
    try:
        with pytest.raises(StorageError, match="could not load the conversation"):
            await storage.conversations.load_conversation(KEY)
    finally:
        await storage.close()


async def test_a_sqlite_file_runs_in_wal_mode(sqlite_url: str, tmp_path: Path) -> None:
    await upgrade(sqlite_url)
    storage = SqlStorage.from_url(sqlite_url)
    try:
        await storage.conversations.save_turn(KEY, {}, None, NOW)
    finally:
        await storage.close()

    with sqlite3.connect(tmp_path / "advisor.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_sqlite_writer_waits_for_the_lock_instead_of_failing(
    sqlite_url: str, tmp_path: Path
) -> None:
    await upgrade(sqlite_url)
    storage = SqlStorage.from_url(sqlite_url)
    other_writer = sqlite3.connect(tmp_path / "advisor.db", isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    asyncio.get_running_loop().call_later(0.3, other_writer.commit)
    started = time.monotonic()
    try:
        assert await storage.conversations.save_turn(KEY, {"waited": True}, None, NOW) == 1
    finally:
        await storage.close()
        other_writer.close()

    assert time.monotonic() - started >= 0.25


async def test_pool_size_is_passed_to_the_pool(sqlite_url: str) -> None:
    sized = SqlStorage.from_url(sqlite_url, pool_size=3)
    in_memory = SqlStorage.from_url("sqlite://", pool_size=3)
    try:
        assert sized.database.engine.pool.size() == 3  # type: ignore[attr-defined]
        assert in_memory.database.engine.url.database in (None, "")
    finally:
        await sized.close()
        await in_memory.close()


async def test_two_processes_recording_one_delivery_see_it_new_once(unmigrated_url: str) -> None:
    # Two repositories, each with its own engine and pool, stand for two bot processes that
    # both received Slack's retry of the same event.
    await upgrade(unmigrated_url)
    first = SqlStorage.from_url(unmigrated_url)
    second = SqlStorage.from_url(unmigrated_url)
    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(
                *(
                    storage.conversations.record_delivery("Ev-retried", NOW)
                    for _ in range(10)
                    for storage in (first, second)
                )
            ),
            timeout=60,
        )
    finally:
        await first.close()
        await second.close()

    assert sorted(outcomes) == [False] * 19 + [True]


async def test_a_failed_delivery_record_is_a_storage_error(unmigrated_url: str) -> None:
    storage = SqlStorage.from_url(unmigrated_url)
    try:
        with pytest.raises(StorageError, match="could not record the delivery") as raised:
            await storage.conversations.record_delivery(SECRET, NOW)
    finally:
        await storage.close()

    assert SECRET not in "".join(traceback.format_exception(raised.value))


async def test_a_failed_reference_save_is_a_storage_error_that_never_shows_it(
    unmigrated_url: str,
) -> None:
    storage = SqlStorage.from_url(unmigrated_url)
    try:
        with pytest.raises(StorageError, match="could not save the conversation reference") as e:
            await storage.conversations.save_reference(KEY, {"serviceUrl": SECRET}, NOW)
    finally:
        await storage.close()

    assert e.value.__cause__ is not None
    assert SECRET not in "".join(traceback.format_exception(e.value))
