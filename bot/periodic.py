"""A job run in the background every so many seconds, from start until stop: the shape of the
knowledge sync and the retention purge, which every server process runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Periodic:
    """Runs `job` after `first` seconds (default `every`), then every `every` seconds. The job
    handles its own errors: one that escapes ends the loop (a bug, and loud in the logs)."""

    def __init__(
        self, job: Callable[[], Awaitable[object]], every: float, *, first: float | None = None
    ) -> None:
        self._job = job
        self._every = every
        self._first = every if first is None else first
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        await asyncio.sleep(self._first)
        while True:
            await self._job()
            await asyncio.sleep(self._every)
