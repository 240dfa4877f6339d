"""`Database.run` on a file SQLite database: each write transaction whole on the database's own
thread (`storage.sql.sqlite_thread`), never blocking the event loop, and always ended."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.errors import StorageError
from storage.migrate import upgrade_engine
from storage.sql.database import Database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path / 'advisor.db'}")
    await upgrade_engine(database.engine)
    try:
        yield database
    finally:
        await database.close()


def count(db: Connection) -> int:
    return int(db.execute(text("SELECT count(*) FROM deliveries")).scalar_one())


def insert(key: str) -> Callable[[Connection], None]:
    def work(db: Connection) -> None:
        db.execute(
            text("INSERT INTO deliveries (key, received_at) VALUES (:key, '2026-01-01')"),
            {"key": key},
        )

    return work


def where(db: Connection) -> tuple[str, bool]:
    return threading.current_thread().name, db.in_transaction()


async def test_a_write_runs_whole_on_the_database_s_own_thread(database: Database) -> None:
    name, in_transaction = await database.run("look", where, write=True)

    assert name.startswith("advisor-sqlite")
    assert name != threading.current_thread().name
    assert in_transaction


async def test_reads_and_an_in_memory_database_stay_on_the_event_loop(
    database: Database,
) -> None:
    memory = Database.from_url("sqlite://")
    try:
        names = [
            (await database.run("read", where))[0],
            (await memory.run("write", where, write=True))[0],
        ]
    finally:
        await memory.close()

    assert names == [threading.current_thread().name] * 2


async def test_a_read_does_not_wait_behind_a_write_waiting_for_a_lock(
    database: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "advisor.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    writing = asyncio.create_task(database.run("insert", insert("waited"), write=True))
    await asyncio.sleep(0.1)

    assert await asyncio.wait_for(database.run("count", count), 2) == 0
    assert not writing.done()
    other.execute("COMMIT")
    other.close()
    await writing


async def test_a_failing_transaction_writes_nothing_and_the_next_one_works(
    database: Database,
) -> None:
    def half_then_fail(db: Connection) -> None:
        insert("first")(db)
        raise ValueError("a caller's mistake")

    with pytest.raises(ValueError, match="mistake"):
        await database.run("fail", half_then_fail, write=True)
    await database.run("insert", insert("second"), write=True)

    assert await database.run("count", count) == 1


async def test_database_errors_become_storage_errors(database: Database) -> None:
    with pytest.raises(StorageError, match="could not read nothing: OperationalError"):
        await database.run("read nothing", lambda db: db.execute(text("SELECT * FROM nowhere")))


async def test_a_cancelled_caller_does_not_leave_its_transaction_open(database: Database) -> None:
    started = threading.Event()

    def slow(db: Connection) -> None:
        insert("slow")(db)
        started.set()
        time.sleep(0.3)

    task = asyncio.create_task(database.run("slow", slow, write=True))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # The transaction ended (committed: it was not told otherwise) and the lock is free.
    await database.run("insert", insert("after"), write=True)
    assert await database.run("count", count) == 2


async def test_waiting_for_another_process_s_write_lock_never_blocks_the_event_loop(
    database: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "advisor.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    writing = asyncio.create_task(database.run("insert", insert("waited"), write=True))
    await asyncio.sleep(0.4)
    assert not writing.done()
    other.execute("COMMIT")
    other.close()
    await writing
    ticking.cancel()

    assert ticks >= 20  # the loop went on while the write waited for the lock
    assert await database.run("count", count) == 1
