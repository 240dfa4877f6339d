"""The retention job with a fixed clock, on every backend: what goes, what stays, and that
running it twice, or in two processes at once, is harmless."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from bot.retention import DELIVERY_LIFETIME, Purged, RetentionJob, RetentionRules
from storage.admin import AuditRecord, KnowledgeLoadRecord, LoadOutcome
from storage.conversations import AssessmentRecord, ConversationKey
from storage.errors import StorageError
from storage.memory import MemoryDatabase, MemoryStorage
from storage.memory.lifecycle import MemoryLifecycle
from storage.migrate import upgrade
from storage.pulse import SurveyRecord, SurveyTally
from storage.sql import SqlStorage

NOW = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
DAYS = 30
OLD = NOW - timedelta(days=DAYS, seconds=1)
RECENT = NOW - timedelta(days=DAYS - 1)
STALE = ConversationKey("slack", "T1", "U-stale")
ACTIVE = ConversationKey("slack", "T1", "U-active")
SURVEY = "0" * 31 + "1"


def clock() -> datetime:
    return NOW


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Sync, so that only the PostgreSQL case asks for (async) `postgres_url`."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'advisor.db'}"
    return cast(str, request.getfixturevalue("postgres_url"))


@pytest.fixture
async def repository(url: str | None) -> AsyncIterator[Any]:
    if url is not None:
        await upgrade(url)
    repository: Any = MemoryStorage() if url is None else SqlStorage.from_url(url)
    yield repository
    await repository.close()


def assessment(key: ConversationKey, at: datetime) -> AssessmentRecord:
    return AssessmentRecord(key, at, "v1", "it_led", "clear", {"q": "a"}, {"it_led": 1.0})


async def seed(repository: Any) -> None:
    """A bit of everything, old and recent."""
    await repository.conversations.save_turn(
        STALE, {"phase": "asking"}, None, OLD, assessment(STALE, OLD)
    )
    await repository.conversations.save_reference(STALE, {"user": "stale"}, OLD)
    await repository.conversations.save_turn(
        ACTIVE, {"phase": "done"}, None, RECENT, assessment(ACTIVE, OLD)
    )
    await repository.conversations.record_delivery(
        "Ev-old", NOW - DELIVERY_LIFETIME - timedelta(seconds=1)
    )
    await repository.conversations.record_delivery("Ev-new", NOW - timedelta(minutes=5))
    survey = SurveyRecord(
        id=SURVEY,
        platform="slack",
        workspace="T1",
        channel="C1",
        launcher_key="a" * 64,
        question_ids=("q",),
        knowledge_version="v1",
        threshold=1,
        created_at=OLD - timedelta(days=3),
        deadline=OLD,
    )
    await repository.pulse.create_survey(survey)
    for n in range(3):
        await repository.pulse.record_response(
            SURVEY, f"{n:064x}", {"q": "a"}, OLD - timedelta(days=1)
        )
    await repository.pulse.close_survey(SURVEY, OLD)
    await repository.admin.record_audit(
        AuditRecord(OLD, "slack", "U-admin", "knowledge.reload", "ok")
    )
    await repository.admin.record_audit(
        AuditRecord(RECENT, "slack", "U-admin", "knowledge.reload", "ok")
    )
    for version in ("v1", "v2", "v3", "v4", "v5", "v6", "v7"):
        load = KnowledgeLoadRecord(
            OLD, "server", "startup", LoadOutcome.OK, version=version, files={"a.yml": "x"}
        )
        await repository.admin.record_knowledge_load(load)


def job(repository: Any, rules: RetentionRules, batch: int = 500) -> RetentionJob:
    return RetentionJob(repository.lifecycle, rules, clock, batch=batch)


async def test_without_retention_days_only_delivery_keys_go(repository: Any) -> None:
    await seed(repository)

    purged = await job(repository, RetentionRules()).run_once()

    assert purged == Purged(deliveries=1)
    assert await repository.conversations.load_conversation(STALE) is not None
    assert await repository.pulse.count_responses(SURVEY) == 3


async def test_stale_conversations_and_closed_survey_answers_go_results_stay(
    repository: Any,
) -> None:
    await seed(repository)

    purged = await job(repository, RetentionRules(DAYS)).run_once()

    # A conversation and its reference; three responses; one audit entry; v1 and v2 reduced
    # to their version (the latest five loads, the active v7 among them, stay whole).
    assert purged == Purged(
        deliveries=1, conversations=2, survey_responses=3, knowledge_loads=2, audit_entries=1
    )
    assert await repository.conversations.load_conversation(STALE) is None
    assert await repository.conversations.load_reference(STALE) is None
    assert await repository.conversations.load_conversation(ACTIVE) is not None
    # Completed results are kept, however old, and so is the survey's result.
    assert len(await repository.conversations.list_assessments(STALE)) == 1
    assert len(await repository.conversations.list_assessments(ACTIVE)) == 1
    survey = await repository.pulse.load_survey(SURVEY)
    assert survey is not None
    assert survey.tally == SurveyTally(3, {"q": {"a": 3}})
    assert await repository.conversations.record_delivery("Ev-new", NOW) is False
    assert [entry.at for entry in await repository.admin.audit_entries()] == [RECENT]
    assert await repository.admin.knowledge_version_known("v1")
    head = await repository.admin.active_knowledge()
    assert head.version == "v7"


async def test_with_retention_assessments_results_and_surveys_go_too(repository: Any) -> None:
    await seed(repository)

    purged = await job(repository, RetentionRules(DAYS, assessments=True)).run_once()

    assert (purged.assessments, purged.surveys) == (2, 1)  # the responses went before
    assert await repository.conversations.list_assessments(STALE) == []
    assert await repository.conversations.list_assessments(ACTIVE) == []
    assert await repository.pulse.load_survey(SURVEY) is None
    assert await repository.conversations.load_conversation(ACTIVE) is not None


async def test_a_second_run_finds_nothing(repository: Any) -> None:
    await seed(repository)
    rules = RetentionRules(DAYS, assessments=True)

    first = await job(repository, rules).run_once()
    second = await job(repository, rules).run_once()

    assert first.total == 12
    assert second == Purged()


async def test_small_batches_still_purge_everything_in_one_run(repository: Any) -> None:
    for n in range(7):
        await repository.conversations.record_delivery(f"Ev{n}", NOW - timedelta(days=2, minutes=n))

    purged = await job(repository, RetentionRules(), batch=2).run_once()

    assert purged == Purged(deliveries=7)


async def test_two_processes_purging_at_once_delete_each_row_once(
    repository: Any, url: str | None
) -> None:
    await seed(repository)
    for n in range(40):
        person = ConversationKey("slack", "T1", f"U{n:02}")
        await repository.conversations.save_turn(person, {}, None, OLD - timedelta(minutes=n))
    other: Any = repository if url is None else SqlStorage.from_url(url)
    rules = RetentionRules(DAYS, assessments=True)
    try:
        runs = await asyncio.wait_for(
            asyncio.gather(
                job(repository, rules, batch=3).run_once(),
                job(other, rules, batch=3).run_once(),
            ),
            timeout=60,
        )
    finally:
        if other is not repository:
            await other.close()

    assert sum(run.total for run in runs) == 12 + 40
    assert await job(repository, rules).run_once() == Purged()


class FailingConversations(MemoryLifecycle):
    async def purge_conversations(self, before: datetime, limit: int) -> int:
        raise StorageError("could not purge the conversations: OperationalError")


async def test_a_failing_table_is_logged_and_the_others_are_purged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repository = MemoryStorage()
    repository.lifecycle = FailingConversations(repository.database)
    await seed(repository)

    purged = await job(repository, RetentionRules(DAYS)).run_once()

    assert purged.conversations == 0
    assert purged.survey_responses == 3
    assert "retention purge failed table=conversations" in caplog.text


class CountingRuns(MemoryLifecycle):
    def __init__(self, database: MemoryDatabase) -> None:
        super().__init__(database)
        self.runs = 0

    async def purge_deliveries(self, before: datetime, limit: int | None = None) -> int:
        self.runs += 1
        return await super().purge_deliveries(before, limit)


async def test_the_loop_runs_every_interval_until_stopped() -> None:
    repository = MemoryStorage()
    counting = CountingRuns(repository.database)
    await repository.conversations.record_delivery("Ev-old", NOW - timedelta(days=2))
    loop_job = RetentionJob(
        counting, RetentionRules(), clock, interval_seconds=0.01, first_run_seconds=0
    )

    loop_job.start()
    for _ in range(500):
        if counting.runs >= 3:
            break
        await asyncio.sleep(0.01)
    await loop_job.stop()
    runs = counting.runs
    await asyncio.sleep(0.05)

    assert runs >= 3
    assert counting.runs == runs  # stopped
    assert await repository.conversations.record_delivery("Ev-old", NOW) is True  # it was purged
