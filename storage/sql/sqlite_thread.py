"""A file SQLite database's own thread, where a transaction runs whole.

aiosqlite runs each call of the driver on its thread and comes back to the event loop after
each: opening a cursor, running a statement, fetching its rows and closing it are four trips
there and back, about 13 for a turn of the diagnostic, and each trip costs the event loop a
wake-up and the two threads a hand-over of the interpreter lock. On SQLite that was most of
what an answer cost. Here a transaction's statements run one after the other on one thread of
the database's own, through the standard library's driver: one trip for the whole of it.

Only the writes that must be quick go this way (`Database.run`: the statements of every turn);
the rest stays on the async engine. Both use the same file, its write lock and its busy timeout,
and both queue behind the same writer lock of this process (`Database`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.engine import Connection

from storage.engine import WRITE_OPTION, open_sqlite_thread_engine

T = TypeVar("T")


class SqliteThread:
    def __init__(self, url: str) -> None:
        self._engine = open_sqlite_thread_engine(url)
        # Writes only: BEGIN IMMEDIATE, the write lock taken up front (see `storage.engine`).
        self._writes = self._engine.execution_options(**{WRITE_OPTION: True})
        # One thread: the connection is only ever used by it, and jobs run in the order given.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="advisor-sqlite")

    async def run(self, work: Callable[[Connection], T]) -> T:
        """`work` in one write transaction on the thread, committed when it returns, rolled
        back when it raises. A caller that stops waiting does not stop the transaction: it
        ends, one way or the other, before the thread takes the next."""

        def transaction() -> T:
            with self._writes.begin() as connection:
                return work(connection)

        return await asyncio.get_running_loop().run_in_executor(self._thread, transaction)

    async def close(self) -> None:
        """Close the connection (on its thread, after whatever is queued) and the thread."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown(wait=False)
