"""The knowledge a process serves, kept in step with every other process through the database.

The services read the knowledge through a `Callable[[], Knowledge]`; `LiveKnowledge.current` is
that callable, and a reload is nothing more than swapping the value it returns (one reference
assignment: a turn that already took the old value finishes with it, the next turn gets the
new one; conversations keep their state, which names questions and options by id).

Which version is served is decided in the database, never in a process's memory: the
`knowledge_loads` table records every load, and the latest successful one is *the* version.

- **Reload** (an admin's command, the admin endpoint, the file watch) reads the knowledge
  folder of the process that handles it, validates it, and records the attempt. A success is
  recorded with the files' text and becomes the active version; a failure is recorded with its
  errors and changes nothing: the last good knowledge keeps serving everywhere.
- **Sync**: every process polls the active version every few seconds (`KnowledgePoller`, one
  indexed query) and, when it changed, builds that version from the stored files and swaps it
  in. So a process whose own folder holds other files (another machine, an older image)
  still serves what was last loaded.
- **Start-up**: the folder on disk is recorded as the active version when the database has
  never seen that version (a new deployment brings new files), and served as is when it is
  the active version. A folder whose version was active once and has been superseded since (a
  replica with stale files, a rollback of the image) does not roll everyone back: the process
  adopts the database's active version instead. A broken folder at start-up is recorded as a
  failed load; the process then serves the active version, and only refuses to start (with
  every problem) when the database has none yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.engine.index import index_for
from bot.knowledge.loader import KnowledgeError, Problem
from bot.knowledge.model import Knowledge
from bot.knowledge.snapshot import Snapshot
from bot.periodic import Periodic
from storage.admin import AdminStore, KnowledgeHead, KnowledgeLoadRecord, LoadOutcome

log = logging.getLogger(__name__)

# Who loads the knowledge when no person does (the `platform` and `actor` of a load).
SERVER = "server"
STARTUP = "startup"
FILE_WATCH = "file-watch"


@dataclass(frozen=True)
class Actor:
    """Who did something: a chat user (platform, user id, workspace) or the server itself
    (`server`, `startup` / `file-watch`), or whoever holds ADMIN_TOKEN (`http`, `admin-token`)."""

    platform: str
    user: str
    workspace: str | None = None


STARTUP_ACTOR = Actor(SERVER, STARTUP)
FILE_WATCH_ACTOR = Actor(SERVER, FILE_WATCH)


def counts(knowledge: Knowledge) -> dict[str, int]:
    return {
        "sources": len(knowledge.sources),
        "models": len(knowledge.models),
        "dimensions": len(knowledge.dimensions),
        "questions": len(knowledge.questions),
        "pulse_questions": len(knowledge.pulse_questions),
        "snippets": len(knowledge.snippets),
    }


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did. `version` is what this process serves afterwards: the new version,
    or on failure the one still serving. `errors` are `file:line: message`, relative to the
    knowledge folder. `recorded` is False when nothing was written (an unchanged folder seen
    by the file watch)."""

    ok: bool
    version: str
    previous: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    recorded: bool = True

    @property
    def changed(self) -> bool:
        return self.ok and self.version != self.previous


@dataclass(frozen=True)
class _Built:
    snapshot: Snapshot
    knowledge: Knowledge


def _load(directory: Path) -> _Built:
    """Read and validate the folder (blocking); KnowledgeError with every problem."""
    snapshot = Snapshot.read(directory)
    return _Built(snapshot, _warm(snapshot.build()))


def _warm(knowledge: Knowledge) -> Knowledge:
    """Build the engine's index and every question's matcher now (its classifiers take a few
    tenths of a second), off the event loop, rather than in the first turns."""
    matchers = index_for(knowledge).matchers
    for question_id in matchers:
        matchers[question_id]
    return knowledge


def _errors(error: KnowledgeError) -> tuple[str, ...]:
    return tuple(str(problem).replace("\x00", "\\0") for problem in error.problems)


class LiveKnowledge:
    """The knowledge this process serves; build it with `LiveKnowledge.start`."""

    def __init__(
        self,
        directory: Path,
        repository: AdminStore,
        knowledge: Knowledge,
        load_id: int | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._directory = directory
        self._repository = repository
        self._knowledge = knowledge
        self._load_id = load_id
        self._clock = clock
        # Reloads and syncs of this process take turns, so an older version fetched by a sync
        # can never replace a newer one a reload just recorded.
        self._lock = asyncio.Lock()
        self._unbuildable: int | None = None

    @classmethod
    async def start(
        cls, directory: Path, repository: AdminStore, clock: Callable[[], datetime]
    ) -> LiveKnowledge:
        """Apply the start-up rule (module docstring). KnowledgeError when the folder is
        broken and the database has no version to serve instead."""
        try:
            built: _Built | None = await asyncio.to_thread(_load, directory)
            problem: KnowledgeError | None = None
        except KnowledgeError as error:
            built, problem = None, error
        head = await repository.active_knowledge()
        if built is not None:
            knowledge = built.knowledge
            if head is not None and head.version == knowledge.version:
                return cls(directory, repository, knowledge, head.load_id, clock)
            if head is None or not await repository.knowledge_version_known(knowledge.version):
                load_id = await _record_ok(repository, clock(), STARTUP_ACTOR, built)
                log.info("knowledge from disk is the active version version=%s", knowledge.version)
                return cls(directory, repository, knowledge, load_id, clock)
            log.warning(
                "knowledge on disk was superseded; serving the active version disk=%s active=%s",
                knowledge.version,
                head.version,
            )
        else:
            assert problem is not None
            await _record_failed(repository, clock(), STARTUP_ACTOR, _errors(problem))
            if head is None:
                raise _absolute(problem, directory)
            log.warning(
                "knowledge on disk is broken (%d problem(s)); serving the active version %s",
                len(problem.problems),
                head.version,
            )
        live = cls(directory, repository, _placeholder(built), None, clock)
        async with live._lock:
            adopted = await live._adopt(head)
        if not adopted and built is None:
            raise _absolute(problem or KnowledgeError([]), directory)
        # Should the stored files not build here (an older loader than the one that stored
        # them), the disk's version serves: better than not serving at all.
        return live

    @property
    def directory(self) -> Path:
        return self._directory

    def current(self) -> Knowledge:
        """The knowledge to use for one turn (what the services call)."""
        return self._knowledge

    async def reload(self, who: Actor, *, record_unchanged: bool = True) -> ReloadResult:
        """Load this process's knowledge folder; on success it becomes the active version of
        every process, on failure nothing changes. Every attempt is recorded, except, with
        `record_unchanged=False`, a success whose version is already the active one."""
        async with self._lock:
            previous = self._knowledge
            try:
                built = await asyncio.to_thread(_load, self._directory)
            except KnowledgeError as error:
                errors = _errors(error)
                await _record_failed(self._repository, self._clock(), who, errors)
                log.info("knowledge reload failed problems=%d", len(errors))
                return ReloadResult(False, previous.version, previous.version, errors=errors)
            knowledge = built.knowledge
            if not record_unchanged:
                head = await self._repository.active_knowledge()
                if head is not None and head.version == knowledge.version:
                    self._swap(knowledge, head.load_id)
                    return ReloadResult(
                        True, knowledge.version, previous.version, counts(knowledge), (), False
                    )
            load_id = await _record_ok(self._repository, self._clock(), who, built)
            self._swap(knowledge, load_id)
            return ReloadResult(True, knowledge.version, previous.version, counts(knowledge))

    async def sync(self) -> bool:
        """Serve the database's active version if it is not served yet; True when this
        process now serves it."""
        async with self._lock:
            return await self._adopt(await self._repository.active_knowledge())

    async def _adopt(self, head: KnowledgeHead | None) -> bool:
        """Serve `head`, the active version just read, if it is not served yet; True when this
        process now serves it. Call with the lock held."""
        if head is None or head.load_id == self._unbuildable:
            return False
        if self._load_id is not None and head.load_id <= self._load_id:
            return True
        if head.version == self._knowledge.version:
            self._load_id = head.load_id
            return True
        load = await self._repository.knowledge_load(head.load_id)
        if load is None:
            return False
        try:
            snapshot = Snapshot.from_texts(load.files)
            knowledge = await asyncio.to_thread(lambda: _warm(snapshot.build()))
        except KnowledgeError as error:
            self._unbuildable = head.load_id
            log.error(
                "stored knowledge does not build here load=%d version=%s problems=%d",
                head.load_id,
                head.version,
                len(error.problems),
            )
            return False
        if knowledge.version != head.version:
            log.warning("stored knowledge built as another version load=%d", head.load_id)
        self._swap(knowledge, head.load_id)
        return True

    def _swap(self, knowledge: Knowledge, load_id: int) -> None:
        if knowledge.version != self._knowledge.version:
            log.info(
                "knowledge swapped from=%s to=%s load=%d",
                self._knowledge.version,
                knowledge.version,
                load_id,
            )
        self._knowledge = knowledge
        self._load_id = load_id


def _placeholder(built: _Built | None) -> Knowledge:
    """What a process holds while it adopts the active version at start-up: the disk's own
    knowledge, or an empty value that `sync` replaces before anything is served."""
    if built is not None:
        return built.knowledge
    return Knowledge(version="", sources=(), models=(), dimensions=(), questions=(), snippets=())


def _absolute(error: KnowledgeError, directory: Path) -> KnowledgeError:
    """The start-up error with the folder's own paths, so an editor can jump to them."""
    return KnowledgeError(
        [
            problem
            if problem.file.startswith(("(", str(directory)))
            else Problem(str(directory / problem.file), problem.line, problem.message)
            for problem in error.problems
        ]
    )


async def _record_ok(repository: AdminStore, now: datetime, who: Actor, built: _Built) -> int:
    knowledge = built.knowledge
    return await repository.record_knowledge_load(
        KnowledgeLoadRecord(
            loaded_at=now,
            platform=who.platform,
            actor=who.user,
            outcome=LoadOutcome.OK,
            workspace=who.workspace,
            version=knowledge.version,
            counts=counts(knowledge),
            files=built.snapshot.texts(),
        )
    )


async def _record_failed(
    repository: AdminStore, now: datetime, who: Actor, errors: tuple[str, ...]
) -> int:
    return await repository.record_knowledge_load(
        KnowledgeLoadRecord(
            loaded_at=now,
            platform=who.platform,
            actor=who.user,
            outcome=LoadOutcome.FAILED,
            workspace=who.workspace,
            errors=errors,
        )
    )


class KnowledgePoller:
    """Every process runs one while serving: `LiveKnowledge.sync` every `seconds`."""

    def __init__(self, live: LiveKnowledge, seconds: float) -> None:
        self._live = live
        self._loop = Periodic(self._sync, seconds)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _sync(self) -> None:
        try:
            await self._live.sync()
        except Exception as error:
            # A database hiccup: keep serving what we have and try again next time.
            log.warning("knowledge sync failed error=%s", type(error).__name__)
