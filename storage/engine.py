"""The one place an `AsyncEngine` is built, so the SQL stores and the migrations agree on
drivers, connect arguments and SQLite's transaction handling.

SQLite needs care to be a good citizen under concurrent writers:

- a busy timeout, so a writer waits for the lock instead of failing with "database is locked";
- WAL journal mode on file databases, so readers never block the writer or each other;
- `BEGIN IMMEDIATE` for write transactions. With a deferred BEGIN, two transactions can both
  hold read locks and then both want the write lock; SQLite then answers one of them "busy"
  at once, without waiting, because waiting could deadlock. Taking the write lock at BEGIN
  makes writers queue on the busy timeout instead. Python's sqlite3 cannot emit that BEGIN,
  so its own transaction handling is switched off and SQLAlchemy emits BEGIN (the recipe in
  SQLAlchemy's SQLite dialect documentation).

`hide_parameters` keeps bound values (conversation state, answers) out of SQLAlchemy's error
messages and echo logs.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import AdaptedConnection, Connection, Engine, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from storage.url import connect_arguments, is_memory_sqlite

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0

# An execution option (SQLAlchemy allows our own keys) that marks a write transaction.
WRITE_OPTION = "advisor_write"

# How JSON columns are written (also by statements that pass JSON as text).
json_text = partial(json.dumps, ensure_ascii=False, allow_nan=False)


def open_engine(url: str, *, pool_size: int | None = None, echo: bool = False) -> AsyncEngine:
    """An engine for any URL `storage.url.normalize_database_url` accepts.

    `pool_size` applies to file SQLite and PostgreSQL; an in-memory SQLite database lives in
    a single connection, so it has no pool to size.
    """
    target, connect_args = connect_arguments(url)
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    sqlite = target.get_backend_name() == "sqlite"
    if sqlite:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_SECONDS
    else:
        # A chat bot idles for hours; a pooled connection may have been dropped meanwhile.
        options["pool_pre_ping"] = True
    if pool_size is not None and not is_memory_sqlite(target):
        options["pool_size"] = pool_size
    engine = create_async_engine(
        target, connect_args=connect_args, json_serializer=json_text, **options
    )
    if sqlite:
        _manage_sqlite_transactions(engine.sync_engine, wal=not is_memory_sqlite(target))
    return engine


def open_sqlite_thread_engine(url: str) -> Engine:
    """A file SQLite database through the standard library's driver, for `SqliteThread`: one
    connection, used by that one thread, with the same busy timeout, WAL and transaction
    handling as the async engine's."""
    target = make_url(url).set(drivername="sqlite+pysqlite")
    engine = create_engine(
        target,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        json_serializer=json_text,
        hide_parameters=True,
        poolclass=StaticPool,
    )
    _manage_sqlite_transactions(engine, wal=True)
    return engine


def for_writes(engine: AsyncEngine) -> AsyncEngine:
    """A view of `engine` (same pool) whose transactions take the write lock up front."""
    return engine.execution_options(**{WRITE_OPTION: True})


def _manage_sqlite_transactions(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        if wal:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        driver = connection.connection.dbapi_connection
        if not isinstance(driver, AdaptedConnection):
            connection.exec_driver_sql(begin)  # the stdlib driver, on `SqliteThread`'s thread
            return
        # Straight to aiosqlite: one trip to its thread, where `exec_driver_sql` makes three
        # (open a cursor, run the statement, close the cursor), on every transaction.
        # (`execute_fetchall` runs a statement and drops its cursor in one trip.)
        driver.run_async(lambda aiosqlite: aiosqlite.execute_fetchall(begin))
