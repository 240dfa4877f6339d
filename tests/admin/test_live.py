"""The knowledge a process serves: reloads, the sync between processes through the database, and
the start-up rule. Each `LiveKnowledge` plays one process; they share one repository."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.admin.live import STARTUP_ACTOR, Actor, KnowledgePoller, LiveKnowledge
from bot.knowledge import KnowledgeError, load_knowledge
from storage.admin import KnowledgeLoadRecord, LoadOutcome
from storage.memory import MemoryStorage
from storage.memory.admin import MemoryAdmin
from testing.fakes.knowledge_folder import (
    ADDED_SNIPPET,
    BROKEN_ERRORS,
    add_snippet,
    break_it,
    copy_knowledge,
    repair,
    reword_question,
)

ADMIN = Actor("slack", "U0ADMIN", "T0001")
REWORDED = "After the reload, how would you judge whether AI is working?"


def clock() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def repository() -> MemoryAdmin:
    return MemoryStorage().admin


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path / "knowledge")


def edited(tmp_path: Path, name: str = "edited") -> Path:
    """Another copy of the knowledge, with a question reworded and a snippet added."""
    other = copy_knowledge(tmp_path / name)
    reword_question(other, 2, REWORDED)
    add_snippet(other)
    return other


async def start(folder: Path, repository: MemoryAdmin) -> LiveKnowledge:
    return await LiveKnowledge.start(folder, repository, clock)


async def loads(repository: MemoryAdmin) -> list[KnowledgeLoadRecord]:
    head = await repository.active_knowledge()
    last = head.load_id if head else 0
    found = [await repository.knowledge_load(n) for n in range(1, last + 20)]
    return [load for load in found if load is not None]


# --- start-up -----------------------------------------------------------------------------------


async def test_the_first_process_records_its_files_as_the_active_version(
    folder: Path, repository: MemoryAdmin
) -> None:
    live = await start(folder, repository)

    version = load_knowledge(folder).version
    assert live.current().version == version
    [load] = await loads(repository)
    assert (load.outcome, load.version, load.actor) == (LoadOutcome.OK, version, "startup")
    assert set(load.files) >= {"questions.yml", "sources.yml"}
    assert any(name.startswith("snippets/") for name in load.files)


async def test_a_process_with_the_active_files_records_nothing(
    folder: Path, repository: MemoryAdmin
) -> None:
    await start(folder, repository)
    again = await start(folder, repository)

    assert again.current().version == load_knowledge(folder).version
    assert len(await loads(repository)) == 1


async def test_a_new_deployment_makes_its_never_seen_files_active(
    tmp_path: Path, folder: Path, repository: MemoryAdmin
) -> None:
    old = await start(folder, repository)
    new_folder = edited(tmp_path)

    new = await start(new_folder, repository)

    assert new.current().version == load_knowledge(new_folder).version
    head = await repository.active_knowledge()
    assert head is not None
    assert head.version == new.current().version
    # The process still on the old files follows on its next sync.
    assert await old.sync()
    assert old.current().version == head.version


async def test_a_stale_replica_adopts_the_active_version_instead_of_rolling_back(
    tmp_path: Path, folder: Path, repository: MemoryAdmin
) -> None:
    first = await start(folder, repository)  # v1 becomes active
    shutil.rmtree(folder)
    copy_knowledge(folder)
    reword_question(folder, 2, REWORDED)
    await first.reload(ADMIN)  # v2, reloaded on that machine
    stale_folder = copy_knowledge(tmp_path / "stale")  # another machine, still on v1

    stale = await start(stale_folder, repository)

    assert stale.current().version == first.current().version
    assert stale.current().questions[2].prompt == REWORDED
    assert len(await loads(repository)) == 2  # the stale files were not recorded


async def test_a_broken_folder_at_start_up_serves_the_active_version_and_is_recorded(
    tmp_path: Path, folder: Path, repository: MemoryAdmin
) -> None:
    good = await start(folder, repository)
    broken_folder = copy_knowledge(tmp_path / "broken")
    break_it(broken_folder)

    live = await start(broken_folder, repository)

    assert live.current().version == good.current().version
    failed = (await repository.knowledge_loads()).failed_since
    assert failed is not None
    assert failed.errors == BROKEN_ERRORS
    assert failed.actor == STARTUP_ACTOR.user


async def test_a_broken_folder_with_nothing_to_fall_back_on_refuses_to_start(
    folder: Path, repository: MemoryAdmin
) -> None:
    break_it(folder)

    with pytest.raises(KnowledgeError) as raised:
        await start(folder, repository)

    # The folder's own paths, so an editor can jump to them.
    assert [str(problem) for problem in raised.value.problems] == [
        f"{folder}/{error}" for error in BROKEN_ERRORS
    ]
    assert (await repository.knowledge_loads()).failed_since is not None


# --- reload -------------------------------------------------------------------------------------


async def test_a_good_reload_swaps_the_knowledge_and_records_it(
    folder: Path, repository: MemoryAdmin
) -> None:
    live = await start(folder, repository)
    before = live.current()
    reword_question(folder, 2, REWORDED)
    add_snippet(folder)

    result = await live.reload(ADMIN)

    after = live.current()
    assert result.ok
    assert result.changed
    assert (result.previous, result.version) == (before.version, after.version)
    assert result.counts["snippets"] == len(before.snippets) + 1
    assert after.questions[2].prompt == REWORDED
    assert after.snippet(ADDED_SNIPPET) is not None
    # A turn that took the old value before the swap finishes with it, intact.
    assert before.snippet(ADDED_SNIPPET) is None
    head = await repository.active_knowledge()
    assert head is not None
    assert head.version == after.version
    load = await repository.knowledge_load(head.load_id)
    assert load is not None
    assert (load.platform, load.workspace, load.actor) == ("slack", "T0001", "U0ADMIN")


async def test_a_broken_reload_keeps_the_last_good_knowledge_and_reports_every_error(
    folder: Path, repository: MemoryAdmin
) -> None:
    live = await start(folder, repository)
    before = live.current()
    break_it(folder)

    result = await live.reload(ADMIN)

    assert not result.ok
    assert result.errors == BROKEN_ERRORS
    assert result.version == before.version
    assert live.current() is before
    head = await repository.active_knowledge()
    assert head is not None
    assert head.version == before.version
    loads_now = await repository.knowledge_loads()
    assert loads_now.failed_since is not None
    assert loads_now.failed_since.errors == BROKEN_ERRORS

    repair(folder)
    assert (await live.reload(ADMIN)).ok
    assert (await repository.knowledge_loads()).failed_since is None


async def test_an_unchanged_folder_is_not_recorded_when_asked_not_to(
    folder: Path, repository: MemoryAdmin
) -> None:
    live = await start(folder, repository)

    result = await live.reload(ADMIN, record_unchanged=False)

    assert result.ok
    assert not result.changed
    assert not result.recorded
    assert len(await loads(repository)) == 1


# --- sync between processes ---------------------------------------------------------------------


async def test_a_reload_in_one_process_reaches_another_without_its_files(
    tmp_path: Path, folder: Path, repository: MemoryAdmin
) -> None:
    one = await start(folder, repository)
    other_folder = copy_knowledge(tmp_path / "other")
    other = await start(other_folder, repository)
    shutil.rmtree(other_folder)  # built from the stored files, not from its own folder
    reword_question(folder, 2, REWORDED)
    await one.reload(ADMIN)

    assert await other.sync()

    assert other.current().version == one.current().version
    assert other.current().questions[2].prompt == REWORDED


async def test_stored_files_that_do_not_build_here_leave_the_knowledge_serving(
    folder: Path, repository: MemoryAdmin
) -> None:
    live = await start(folder, repository)
    before = live.current()
    await repository.record_knowledge_load(
        KnowledgeLoadRecord(
            loaded_at=clock(),
            platform="server",
            actor="startup",
            outcome=LoadOutcome.OK,
            version="from-the-future",
            files={"questions.yml": "questions: [\n"},
        )
    )

    assert not await live.sync()
    assert not await live.sync()  # not retried on every poll
    assert live.current() is before


async def test_the_poller_swaps_within_a_few_polls(
    tmp_path: Path, folder: Path, repository: MemoryAdmin
) -> None:
    one = await start(folder, repository)
    other = await start(copy_knowledge(tmp_path / "other"), repository)
    poller = KnowledgePoller(other, 0.02)
    poller.start()
    try:
        reword_question(folder, 2, REWORDED)
        await one.reload(ADMIN)
        # Up to 20 s: the other process builds the new knowledge (its matching index) before
        # it swaps, which a loaded machine can take seconds over; the poll itself is 20 ms.
        for _ in range(2000):
            if other.current().version == one.current().version:
                break
            await asyncio.sleep(0.01)
    finally:
        await poller.stop()
    assert other.current().version == one.current().version
