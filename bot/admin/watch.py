"""Reload when the knowledge files change (KNOWLEDGE_WATCH=true), with watchfiles.

watchfiles gathers the file system's notifications (inotify, FSEvents, ...; or polling, with
WATCHFILES_FORCE_POLLING=1 where notifications do not arrive, as on some network and
container mounts) and hands them over in batches: a batch closes once the folder has been
quiet for `quiet_ms`, or after `longest_ms` of steady changes. An editor's save (often a
temporary file and a rename), a `git pull` touching five files, a script rewriting the folder:
each is one batch, so one reload. Only YAML files count; swap and backup files do not, nor
does the answer tests' `tests/` folder, which is not part of the knowledge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, DefaultFilter, awatch

from bot.knowledge.loader import TESTS_FOLDER

log = logging.getLogger(__name__)

QUIET_MS = 500
LONGEST_MS = 5000
_SUFFIXES = (".yml", ".yaml")


class _KnowledgeFiles(DefaultFilter):
    """Changes of YAML files, outside the folders and files editors and tools keep, and
    outside the top-level `tests/` folder (answer tests, which the loader ignores too)."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        # The folder as given, and as the platform may report it (absolute, symlinks resolved).
        self._roots = tuple(dict.fromkeys((directory, directory.absolute(), directory.resolve())))

    def __call__(self, change: Change, path: str) -> bool:
        return (
            path.endswith(_SUFFIXES)
            and not self._in_tests_folder(Path(path))
            and super().__call__(change, path)
        )

    def _in_tests_folder(self, path: Path) -> bool:
        for root in self._roots:
            if path.is_relative_to(root):
                parts = path.relative_to(root).parts
                return bool(parts) and parts[0] == TESTS_FOLDER
        return False


class KnowledgeWatch:
    """Calls `reload` after each batch of changes to the YAML files under `directory`, one
    reload at a time (changes made during a reload make the next batch)."""

    def __init__(
        self,
        directory: Path,
        reload: Callable[[], Awaitable[object]],
        *,
        quiet_ms: int = QUIET_MS,
        longest_ms: int = LONGEST_MS,
    ) -> None:
        self._directory = directory
        self._reload = reload
        self._quiet_ms = quiet_ms
        self._longest_ms = longest_ms
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=2.0)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        log.info("watching the knowledge folder for changes")
        try:
            async for changes in awatch(
                self._directory,
                watch_filter=_KnowledgeFiles(self._directory),
                debounce=self._longest_ms,
                step=self._quiet_ms,
                stop_event=self._stop,
            ):
                log.info("knowledge files changed files=%d", len(changes))
                try:
                    await self._reload()
                except Exception as error:
                    log.error("reload after a change failed error=%s", type(error).__name__)
        except Exception as error:
            # The folder went away, or the platform refused to watch it: say so once, and keep
            # serving (the other ways to reload still work).
            log.error("knowledge watch stopped error=%s", type(error).__name__)
