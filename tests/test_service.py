"""The service over real storage: persistence across restarts, assessments, racing turns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.replies import (
    AcknowledgementReply,
    NoticeLevel,
    NoticeReply,
    QuestionReply,
    Reply,
    SummaryReply,
)
from bot.engine.turn import Choice, Command
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.service import APOLOGY, AdvisorService
from storage import Storage
from storage.conversations import ConversationKey
from storage.memory import MemoryStorage
from storage.migrate import upgrade
from storage.sql import SqlStorage

KEY = ConversationKey("console", "local", "ada")


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'advisor.db'}"
    await upgrade(url)
    return url


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Sync on purpose: it may ask for the async `postgres_url` fixture by name."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'advisor.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def repository(database_url: str | None) -> AsyncIterator[Storage]:
    if database_url is None:
        repo: Storage = MemoryStorage()
    else:
        await upgrade(database_url)
        repo = SqlStorage.from_url(database_url)
    yield repo
    await repo.close()


def last_question(replies: list[Reply]) -> QuestionReply:
    return [r for r in replies if isinstance(r, QuestionReply)][-1]


async def test_a_restart_resumes_where_the_user_left(sqlite_url: str, knowledge: Knowledge) -> None:
    first = SqlStorage.from_url(sqlite_url)
    service = AdvisorService(first.conversations, lambda: knowledge)
    await service.handle(KEY, text="start")
    await service.handle(KEY, text="1")
    await service.handle(KEY, text="2")
    await first.close()

    second = SqlStorage.from_url(sqlite_url)  # a new process, the same database
    replies = await AdvisorService(second.conversations, lambda: knowledge).handle(
        KEY, command=Command.RESUME
    )
    assert last_question(replies).number == 3
    await second.close()


async def test_completing_records_one_assessment(repository: Storage, knowledge: Knowledge) -> None:
    service = AdvisorService(repository.conversations, lambda: knowledge)
    replies = await service.handle(KEY, text="start")
    while not any(isinstance(r, SummaryReply) for r in replies):
        question = last_question(replies)
        replies = await service.handle(KEY, choice=Choice(question.question_id, "x"))
        replies = await service.handle(KEY, text="a")
    summary = next(r.summary for r in replies if isinstance(r, SummaryReply))
    record = await repository.conversations.latest_assessment(KEY)
    assert record is not None
    assert record.recommendation == summary.recommended.id
    assert record.knowledge_version == knowledge.version
    assert record.clarity == summary.clarity.value
    assert len(record.answers) == len(knowledge.questions)
    assert set(record.scores) == set(knowledge.model_ids)
    # Showing the summary again records nothing new.
    await service.handle(KEY, text="summary")
    assert len(await repository.conversations.list_assessments(KEY)) == 1


async def test_racing_turns_of_one_user_lose_nothing(
    repository: Storage, knowledge: Knowledge
) -> None:
    """Two answers arrive at once (a double submit, two devices): both are applied in turn,
    neither is lost, and the conversation stays consistent."""
    service = AdvisorService(repository.conversations, lambda: knowledge)
    await service.handle(KEY, text="start")
    results = await asyncio.gather(*(service.handle(KEY, text="1") for _ in range(4)))
    assert all(any(isinstance(r, AcknowledgementReply) for r in replies) for replies in results)
    stored = await repository.conversations.load_conversation(KEY)
    assert stored is not None
    assert len(stored.state["answers"]) == 4
    assert list(stored.state["order"]) == [q.id for q in knowledge.questions[:4]]
    assert stored.version == 5


async def test_a_bug_is_answered_with_an_apology_and_logged_without_text(
    knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Knowledge:
        raise RuntimeError("knowledge exploded")

    service = AdvisorService(MemoryStorage().conversations, broken)
    with caplog.at_level(logging.INFO):
        replies = await service.handle(KEY, text="my secret answer")
    assert replies == [NoticeReply(APOLOGY, NoticeLevel.ERROR)]
    assert "my secret answer" not in caplog.text
    assert "user=ada" in caplog.text


async def test_logs_carry_ids_and_outcomes_never_text(
    knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    service = AdvisorService(MemoryStorage().conversations, lambda: knowledge)
    with caplog.at_level(logging.DEBUG):
        await service.handle(KEY, text="start")
        await service.handle(KEY, text="the business, definitely not IT")
        await service.handle(KEY, text="ask what about confidential merger plans")
    assert "definitely not IT" not in caplog.text
    assert "merger" not in caplog.text
    assert "phase=asking" in caplog.text


async def test_a_redelivered_turn_is_applied_once_and_answers_nothing(
    repository: Storage, knowledge: Knowledge
) -> None:
    service = AdvisorService(repository.conversations, lambda: knowledge)
    await service.handle(KEY, text="start", delivery_key="d-1")
    first = await service.handle(KEY, text="1", delivery_key="d-2")
    again = await service.handle(KEY, text="1", delivery_key="d-2")
    assert first
    assert again == []
    stored = await repository.conversations.load_conversation(KEY)
    assert stored is not None
    assert len(stored.state["answers"]) == 1
    # Turns that change nothing (a question, help) are recognised too.
    assert await service.handle(KEY, text="ask what is MLOps?", delivery_key="d-3")
    assert await service.handle(KEY, text="ask what is MLOps?", delivery_key="d-3") == []


async def test_a_delivery_without_a_key_is_always_first_and_records_nothing(
    knowledge: Knowledge,
) -> None:
    repository = MemoryStorage()
    service = AdvisorService(repository.conversations, lambda: knowledge)
    assert await service.first_delivery(None)
    assert await service.first_delivery(None)
    assert await service.first_delivery("d-1")
    assert not await service.first_delivery("d-1")
