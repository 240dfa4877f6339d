"""A summary's progress since the previous result and its history of results, attached by the
service from the stored results: on the turn that completes a diagnostic, on `summary`, and in
the overview, over real stores (in memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.engine.index import index_for
from bot.engine.progress import HISTORY_LENGTH, PastResult, history, progress
from bot.engine.replies import NoticeReply, QuestionReply, Reply, Summary, SummaryReply
from bot.engine.summary import build_summary
from bot.engine.turn import Choice, Command
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.service import RESULTS_READ, AdvisorService
from storage import Storage
from storage.conversations import AssessmentRecord, ConversationKey
from storage.errors import StorageError
from storage.memory import MemoryStorage
from storage.memory.conversations import MemoryConversations
from storage.migrate import upgrade
from storage.sql import SqlStorage
from tests.test_service import database_url

__all__ = ["database_url"]  # the fixture, shared with the service's own tests

KEY = ConversationKey("console", "local", "ada")
FIRST_DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Answers = dict[str, str | None]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


class Clock:
    def __init__(self) -> None:
        self.now = FIRST_DAY

    def __call__(self) -> datetime:
        return self.now


class MemoryWithOutage(MemoryConversations):
    """The memory store, whose reads of results can be made to fail as a database would."""

    def __init__(self, storage: MemoryStorage) -> None:
        super().__init__(storage.database)
        self.down = False
        self.reads = 0

    async def list_assessments(
        self, key: ConversationKey, limit: int | None = None
    ) -> list[AssessmentRecord]:
        self.reads += 1
        if self.down:
            raise StorageError("could not list the assessments: OperationalError")
        return await super().list_assessments(key, limit)


@pytest.fixture
async def repository(database_url: str | None) -> AsyncIterator[Storage]:
    if database_url is None:
        memory = MemoryStorage()
        memory.conversations = MemoryWithOutage(memory)
        repo: Storage = memory
    else:
        await upgrade(database_url)
        repo = SqlStorage.from_url(database_url)
    yield repo
    await repo.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(repository: Storage, knowledge: Knowledge, clock: Clock) -> AdvisorService:
    return AdvisorService(repository.conversations, lambda: knowledge, clock)


async def break_history(repository: Storage) -> None:
    """Reads of the stored results fail from now on: on a database for real (the table is
    gone), in memory by the store's own switch."""
    if isinstance(repository, SqlStorage):
        async with repository.database.engine.begin() as connection:
            await connection.execute(text("ALTER TABLE assessments RENAME TO assessments_gone"))
    else:
        assert isinstance(repository.conversations, MemoryWithOutage)
        repository.conversations.down = True


def all_options(knowledge: Knowledge, position: int) -> Answers:
    return {q.id: q.options[position].id for q in knowledge.questions}


async def complete(service: AdvisorService, answers: Answers, command: Command) -> Summary:
    """Take the diagnostic from `command` (start or restart) to its end, answering each
    question as `answers` say (None: skip); the summary the completing turn shows."""
    replies = await service.handle(KEY, command=command)
    for _ in answers:
        question = [r for r in replies if isinstance(r, QuestionReply)][-1]
        option = answers[question.question_id]
        if option is None:
            replies = await service.handle(KEY, command=Command.SKIP)
        else:
            replies = await service.handle(KEY, choice=Choice(question.question_id, option))
    return shown(replies, completed_now=True)


def shown(replies: list[Reply], completed_now: bool = False) -> Summary:
    summaries = [r for r in replies if isinstance(r, SummaryReply)]
    assert len(summaries) == 1, replies
    assert summaries[0].completed_now is completed_now
    return summaries[0].summary


def past(answers: Answers, knowledge: Knowledge, at: datetime) -> PastResult:
    """What the service stored for `answers` completed at `at`."""
    summary = build_summary(answers, index_for(knowledge), at)
    scores = {score.model.id: round(score.score, 4) for score in summary.scores}
    return PastResult(at, summary.recommended.id, summary.clarity.value, answers, scores)


async def test_a_first_result_has_no_progress_and_no_history(
    service: AdvisorService, knowledge: Knowledge
) -> None:
    answers = all_options(knowledge, 0)

    summary = await complete(service, answers, Command.START)

    assert summary == build_summary(answers, index_for(knowledge), FIRST_DAY)
    assert (summary.progress, summary.history) == (None, ())
    assert shown(await service.handle(KEY, command=Command.SUMMARY)) == summary
    assert (await service.overview(KEY)).summary == summary


async def test_a_retake_shows_what_changed_since_the_previous_result(
    service: AdvisorService, knowledge: Knowledge, clock: Clock
) -> None:
    before = all_options(knowledge, 0)
    question = knowledge.questions[1]
    after: Answers = {**all_options(knowledge, 1), question.id: None}
    await complete(service, before, Command.START)
    clock.now = FIRST_DAY + timedelta(days=7)

    summary = await complete(service, after, Command.RESTART)

    previous = past(before, knowledge, FIRST_DAY)
    index = index_for(knowledge)
    expected = build_summary(after, index, clock.now)
    assert summary.progress == progress(previous, expected, after, index)
    assert summary.history == history([previous], index)
    assert replace(summary, progress=None, history=()) == expected
    # What that means, spelled out: the model, its share, the answers.
    assert summary.progress is not None
    assert summary.progress.previous_date == FIRST_DAY.date()
    assert summary.progress.previous_model == index.model_name(previous.recommended)
    assert summary.progress.model_changed
    assert summary.recommended.id != previous.recommended
    scores = {change.model.id: change for change in summary.progress.scores}
    assert scores[previous.recommended].before > scores[previous.recommended].after
    assert scores[summary.recommended.id].before < scores[summary.recommended.id].after
    changed = {change.dimension: change for change in summary.progress.changed_answers}
    assert len(changed) == len(knowledge.questions)
    skipped = changed[index.dimension_name(question.dimension)]
    assert (skipped.before, skipped.after) == (question.options[0].label, None)
    assert summary.history[0].date == FIRST_DAY.date()
    assert summary.history[0].model == summary.progress.previous_model

    # The same result, however it is asked for: `summary`, and the overview.
    clock.now += timedelta(days=1)
    assert shown(await service.handle(KEY, command=Command.SUMMARY)) == summary
    overview = await service.overview(KEY)
    assert (overview.summary, overview.in_progress) == (summary, False)


async def test_progress_is_since_the_result_before_the_one_shown(
    service: AdvisorService, knowledge: Knowledge, clock: Clock
) -> None:
    """Three results: the latest compares with the second, and lists both before it; once a
    retake is under way, the overview still shows the latest with the same progress."""
    runs = [all_options(knowledge, n) for n in (0, 1, 2)]
    days = [FIRST_DAY + timedelta(days=n * 30) for n in range(3)]
    for number, (answers, day) in enumerate(zip(runs, days, strict=True)):
        clock.now = day
        summary = await complete(service, answers, Command.RESTART if number else Command.START)

    index = index_for(knowledge)
    second, first = past(runs[1], knowledge, days[1]), past(runs[0], knowledge, days[0])
    assert summary.progress == progress(second, summary, runs[2], index)
    assert [entry.date for entry in summary.history] == [days[1].date(), days[0].date()]
    assert summary.history == history([second, first], index)

    await service.handle(KEY, command=Command.RESTART)
    overview = await service.overview(KEY)
    assert (overview.summary, overview.in_progress) == (summary, True)
    # `summary` during the retake shows no result: nothing is read for it.
    replies = await service.handle(KEY, command=Command.SUMMARY)
    assert not any(isinstance(r, SummaryReply) for r in replies)


async def test_a_long_history_is_bounded(
    repository: Storage, knowledge: Knowledge, clock: Clock
) -> None:
    index = index_for(knowledge)
    answers = all_options(knowledge, 0)
    summary = build_summary(answers, index, FIRST_DAY)
    version = None
    # Stored directly, as hundreds of retakes would have left them.
    for number in range(RESULTS_READ + 20):
        at = FIRST_DAY - timedelta(days=RESULTS_READ + 20 - number)
        record = AssessmentRecord(
            KEY, at, knowledge.version, summary.recommended.id, "clear", answers, {}
        )
        version = await repository.conversations.save_turn(KEY, {}, version, at, record)
    service = AdvisorService(repository.conversations, lambda: knowledge, clock)

    overview = await service.overview(KEY)

    assert overview.summary is not None
    assert len(overview.summary.history) == HISTORY_LENGTH
    assert overview.summary.history[0].date == (FIRST_DAY - timedelta(days=2)).date()


async def test_a_failing_history_read_still_shows_the_summary(
    repository: Storage,
    service: AdvisorService,
    knowledge: Knowledge,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await complete(service, all_options(knowledge, 0), Command.START)
    clock.now += timedelta(days=7)
    with_past = await complete(service, all_options(knowledge, 1), Command.RESTART)
    assert with_past.progress is not None
    bare = replace(with_past, progress=None, history=())
    await break_history(repository)

    with caplog.at_level(logging.INFO):
        replies = await service.handle(KEY, command=Command.SUMMARY)
        overview = await service.overview(KEY)

    assert shown(replies) == bare
    assert not any(isinstance(r, NoticeReply) for r in replies)  # no apology
    assert (overview.summary, overview.in_progress) == (bare, False)
    failures = [r for r in caplog.records if r.message.startswith("summary history failed")]
    assert [r.message for r in failures] == [
        "summary history failed platform=console workspace=local user=ada error=StorageError"
    ] * 2
    assert all(record.exc_info is None for record in failures)


async def test_a_completing_turn_whose_history_fails_still_shows_the_summary(
    knowledge: Knowledge, clock: Clock
) -> None:
    """The result is saved, the history then cannot be read (in memory: on a database the
    same outage would have failed the save too)."""
    memory = MemoryStorage()
    store = MemoryWithOutage(memory)
    service = AdvisorService(store, lambda: knowledge, clock)
    await complete(service, all_options(knowledge, 0), Command.START)
    store.down = True

    summary = await complete(service, all_options(knowledge, 1), Command.RESTART)

    assert summary == build_summary(all_options(knowledge, 1), index_for(knowledge), clock.now)
    assert len(await MemoryConversations(memory.database).list_assessments(KEY)) == 2


async def test_results_are_read_only_when_a_summary_is_shown(
    knowledge: Knowledge, clock: Clock
) -> None:
    store = MemoryWithOutage(MemoryStorage())
    service = AdvisorService(store, lambda: knowledge, clock)
    await service.handle(KEY, command=Command.START)
    for question in knowledge.questions[:-1]:
        await service.handle(KEY, choice=Choice(question.id, question.options[0].id))
        await service.handle(KEY, command=Command.WHY)
        await service.handle(KEY, text="ask what is MLOps?")
    assert store.reads == 0

    last = knowledge.questions[-1]
    shown(await service.handle(KEY, choice=Choice(last.id, last.options[0].id)), True)
    assert store.reads == 1
    await service.handle(KEY, text="ask what is MLOps?")
    assert store.reads == 1
    shown(await service.handle(KEY, command=Command.SUMMARY))
    assert store.reads == 2
