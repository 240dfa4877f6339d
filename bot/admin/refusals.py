"""Refused admin calls, per client: each refusal is still audited, without one row per call.

Anyone who can reach the admin endpoint can send it wrong tokens, and each refusal used to write
an audit row: an unauthenticated way to fill the database. Now the first refusal of an action
from a client in a window is audited at once, the repeats in that window are counted and
audited as one entry with their count when the window closes, and past LIMIT refusals in a
window the client is told to wait (429, Retry-After) without anything more being done.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0
# Refusals of one action from one client per window before it is told to wait.
LIMIT = 30
# Clients tracked at once; the oldest window is dropped (its repeats audited) beyond it.
MAX_CLIENTS = 10_000

# Audits `count` refusals of `action` (1: the first of a window; more: the repeats after it).
Audit = Callable[[str, int], Awaitable[None]]


@dataclass
class _Window:
    started: float
    count: int = 1
    flushed: bool = False


class RefusalWindows:
    def __init__(
        self,
        audit: Audit,
        *,
        window: float = WINDOW_SECONDS,
        limit: int = LIMIT,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._audit = audit
        self._window = window
        self._limit = limit
        self._max_clients = max_clients
        self._clock = clock
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    async def refuse(self, client: str, action: str) -> float | None:
        """Note one refusal; the seconds the client should wait, or None to answer 401."""
        key = (client, action)
        now = self._clock()
        current = self._windows.get(key)
        if current is None or now - current.started >= self._window:
            if current is not None:
                await self._flush(key, current)
            self._windows[key] = _Window(now)
            self._windows.move_to_end(key)
            await self._evict()
            await self._audit(action, 1)
            return None
        current.count += 1
        if current.count == 2:
            self._flush_later(key, current, self._window - (now - current.started))
        if current.count > self._limit:
            return max(1.0, self._window - (now - current.started))
        return None

    async def close(self) -> None:
        """Audit every window's repeats now (the server is stopping)."""
        for task in self._tasks:
            task.cancel()
        for key, window in list(self._windows.items()):
            await self._flush(key, window)
        self._windows.clear()

    async def _flush(self, key: tuple[str, str], window: _Window) -> None:
        if window.count > 1 and not window.flushed:
            window.flushed = True
            await self._audit(key[1], window.count - 1)

    def _flush_later(self, key: tuple[str, str], window: _Window, delay: float) -> None:
        async def later() -> None:
            await asyncio.sleep(delay)
            await self._flush(key, window)

        task = asyncio.get_running_loop().create_task(later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _evict(self) -> None:
        while len(self._windows) > self._max_clients:
            key, window = self._windows.popitem(last=False)
            await self._flush(key, window)
