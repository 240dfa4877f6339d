"""The file watch: a save in the knowledge folder reloads it, a burst of saves reloads once,
files that are not knowledge are ignored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.admin.live import FILE_WATCH_ACTOR, LiveKnowledge
from bot.admin.service import KnowledgeAdmin
from bot.admin.watch import KnowledgeWatch
from storage.memory import MemoryStorage
from testing.fakes.knowledge_folder import copy_knowledge, reword_question

QUIET_MS = 150
WAIT_SECONDS = 10.0


def clock() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def watching(
    folder: Path, reload: Callable[[], Awaitable[object]]
) -> AsyncIterator[KnowledgeWatch]:
    watch = KnowledgeWatch(folder, reload, quiet_ms=QUIET_MS, longest_ms=3000)
    watch.start()
    await asyncio.sleep(0.3)  # the watcher is set up in a thread; let it start
    try:
        yield watch
    finally:
        await watch.stop()


async def until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not condition():
        assert loop.time() < deadline, "the watch did not react in time"
        await asyncio.sleep(0.02)


async def test_a_save_reloads_the_knowledge_and_is_audited(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    repository = MemoryStorage().admin
    live = await LiveKnowledge.start(folder, repository, clock)
    admin = KnowledgeAdmin(live, repository, frozenset(), clock)
    before = live.current().version

    async def reload() -> None:
        await admin.reload(FILE_WATCH_ACTOR, record_unchanged=False)

    async with watching(folder, reload):
        reword_question(folder, 0, "Saved while the server was running?")
        await until(lambda: live.current().version != before)

    assert live.current().questions[0].prompt == "Saved while the server was running?"
    [entry] = await repository.audit_entries()
    assert (entry.platform, entry.actor, entry.action, entry.outcome) == (
        "server",
        "file-watch",
        "knowledge.reload",
        "ok",
    )


async def test_a_burst_of_saves_is_one_reload_and_other_files_are_ignored(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    calls: list[float] = []

    async def reload() -> None:
        calls.append(asyncio.get_running_loop().time())

    async with watching(folder, reload):
        (folder / "notes.txt").write_text("not knowledge")
        (folder / ".questions.yml.swp").write_text("an editor's swap file")
        await asyncio.sleep(QUIET_MS * 4 / 1000)
        assert calls == []
        for n in range(5):
            reword_question(folder, n, f"Question {n}, edited in a burst?")
            await asyncio.sleep(0.02)
        await until(lambda: len(calls) >= 1)
        await asyncio.sleep(QUIET_MS * 4 / 1000)

    assert len(calls) == 1


async def test_a_save_under_tests_is_not_a_reload(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    answers = folder / "tests" / "answers.yml"
    assert answers.is_file()
    calls: list[float] = []

    async def reload() -> None:
        calls.append(asyncio.get_running_loop().time())

    async with watching(folder, reload):
        answers.write_text(answers.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        (folder / "tests" / "more.yaml").write_text("answers: []\n", encoding="utf-8")
        await asyncio.sleep(QUIET_MS * 4 / 1000)
        assert calls == []
        reword_question(folder, 0, "Edited next to the answer tests?")
        await until(lambda: len(calls) >= 1)
