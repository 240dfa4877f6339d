"""The database every SQL store shares: one `AsyncEngine`, and the one way to use it.

Each store (`storage.sql.conversations`, `.pulse`, `.admin`, `.lifecycle`) receives the same
`Database` and runs every call as one `transaction(...)`: one session in one transaction,
committed on success, so a store can be shared by concurrent tasks (a session cannot).
Database failures surface as StorageError, the original exception chained for the log, with
bound parameters hidden by the engine (`storage.engine`).

How transactions queue is decided here, once, for every store:

- An in-memory SQLite database is one shared connection, which holds one transaction at a
  time: calls take turns, or their transactions would interleave.
- A file SQLite database has one write lock. Writers of this process queue here, in order,
  instead of in SQLite's busy handler, which sleeps and retries with growing back-offs (up to
  100 ms) and so starves some writers for seconds under a burst. Writers in other processes
  still wait on the busy timeout.
- PostgreSQL: transactions take a pooled connection in the order they asked for one.
  SQLAlchemy's async pool hands a returned connection to whoever asks next, ahead of those
  already waiting, so under a burst some requests waited for seconds while most were served at
  once (a p99 several times the p50).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    asynccontextmanager,
    contextmanager,
    nullcontext,
)
from typing import TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.engine import for_writes, open_engine
from storage.errors import StorageError
from storage.sql.sqlite_thread import SqliteThread
from storage.tables import Base
from storage.url import is_memory_sqlite

T = TypeVar("T")


class Database:
    """An `AsyncEngine` and its transactions; build it with `from_url` so that SQLite gets its
    busy timeout, WAL and write-lock handling (see `storage.engine`). The schema must exist:
    run `storage.migrate.upgrade` (or `upgrade_engine(database.engine)` for an in-memory
    database)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._write_engine = for_writes(engine)
        self._reads = async_sessionmaker(engine, expire_on_commit=False)
        self._writes = async_sessionmaker(self._write_engine, expire_on_commit=False)
        # The three queues of the module docstring; at most one applies to an engine.
        self._one_at_a_time = asyncio.Lock() if is_memory_sqlite(engine.url) else None
        self._one_writer = (
            asyncio.Lock()
            if engine.url.get_backend_name() == "sqlite" and self._one_at_a_time is None
            else None
        )
        self._in_turn = (
            asyncio.Semaphore(_pool_capacity(engine))
            if engine.url.get_backend_name() != "sqlite"
            else None
        )
        # A file SQLite database runs `run`'s writes whole on a thread of its own.
        self._sqlite_thread = (
            SqliteThread(engine.url.render_as_string(hide_password=False))
            if self._one_writer is not None
            else None
        )

    @classmethod
    def from_url(cls, url: str, *, pool_size: int | None = None, echo: bool = False) -> Database:
        """A database for any URL `storage.url.normalize_database_url` accepts."""
        return cls(open_engine(url, pool_size=pool_size, echo=echo))

    @property
    def engine(self) -> AsyncEngine:
        """The engine itself: for migrations, and for the Slack installation store, which
        keeps its own tables in the same database."""
        return self._engine

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql": the few statements that differ are chosen by it."""
        return self._engine.dialect.name

    @asynccontextmanager
    async def transaction(self, doing: str, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """One session in one transaction, committed on success. Database errors become
        StorageError("could not <doing>: <type>"); ConcurrentUpdateError, ValueError and the
        caller's other errors pass through (and roll the transaction back). `write` takes
        SQLite's write lock at BEGIN (see `storage.engine`)."""
        sessions = self._writes if write else self._reads
        with _as_storage_errors(doing):
            async with self._queue(write), sessions.begin() as session:
                yield session

    async def run(self, doing: str, work: Callable[[Connection], T], *, write: bool = False) -> T:
        """`work`, given a connection, in one transaction, committed when it returns: for the
        statements of every turn, where the cost of the way there counts. A write on a file
        SQLite database runs whole on the database's own thread (`SqliteThread`: one trip
        there and back, not three or four per statement); the rest on the async engine, the
        statements awaited from the event loop (reads stay there: behind a write waiting for
        another process's lock on that one thread, they would wait too). `work` must not wait
        on anything else. Errors as `transaction`'s."""
        with _as_storage_errors(doing):
            async with self._queue(write):
                if self._sqlite_thread is not None and write:
                    return await self._sqlite_thread.run(work)
                engine = self._write_engine if write else self._engine
                async with engine.begin() as connection:
                    return await connection.run_sync(work)

    def _queue(self, write: bool) -> AbstractAsyncContextManager[object]:
        """Where a transaction waits for its turn (the three queues of the module docstring)."""
        return (
            self._one_at_a_time
            or (self._one_writer if write else None)
            or self._in_turn
            or nullcontext()
        )

    async def close(self) -> None:
        """Close the pooled connections (and the SQLite thread's)."""
        if self._sqlite_thread is not None:
            await self._sqlite_thread.close()
        await self._engine.dispose()


@contextmanager
def _as_storage_errors(doing: str) -> Iterator[None]:
    """Database failures as StorageError("could not <doing>: <type>"), the original chained."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        raise StorageError(f"could not {doing}: {type(exc).__name__}") from exc


def dialect_insert(dialect: str, table: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT into `table` (any table), which has `on_conflict_do_nothing` /
    `on_conflict_do_update`: both databases have `INSERT ... ON CONFLICT`, under different
    names."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise StorageError(f"no INSERT ... ON CONFLICT for the {dialect} dialect")


def _pool_capacity(engine: AsyncEngine) -> int:
    """How many connections the pool keeps. Lending more would open "overflow" connections,
    which the pool closes as soon as they come back: under a burst, a new connection (and a new
    PostgreSQL backend) for every few transactions."""
    size = getattr(engine.sync_engine.pool, "size", None)
    return max(1, int(size())) if callable(size) else 5
