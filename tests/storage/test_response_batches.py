"""Group commit of survey responses (storage/sql/response_batches.py): who is batched with whom,
what each caller is told, and what a failed batch does; then, on the real databases, that a
burst of responses shares transactions."""

from __future__ import annotations

import asyncio
import gc
import hashlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from storage.migrate import upgrade, upgrade_engine
from storage.pulse import ResponseOutcome, SurveyRecord, SurveyStatus
from storage.sql import SqlStorage
from storage.sql.response_batches import (
    PendingResponse,
    ResponseBatches,
    SurveyState,
    settle,
)
from tests.storage.conftest import IN_MEMORY_SQLITE

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
OPEN = SurveyStatus.OPEN.value
ADDED, REPLACED, CLOSED, UNKNOWN = (
    ResponseOutcome.ADDED,
    ResponseOutcome.REPLACED,
    ResponseOutcome.CLOSED,
    ResponseOutcome.UNKNOWN,
)


def key(number: int) -> str:
    return hashlib.sha256(f"respondent-{number}".encode()).hexdigest()


def pending(number: int, survey: str = "s1", *, choice: str = "a") -> PendingResponse:
    return PendingResponse(survey, key(number), {"sponsor": choice}, NOW)


def open_until(deadline: datetime) -> SurveyState:
    return SurveyState(OPEN, deadline)


# settle: the batch decided as if recorded one by one.


def test_settle_answers_unknown_and_closed_surveys_without_writing_them() -> None:
    surveys = {
        "open": open_until(NOW + timedelta(days=1)),
        "closed": SurveyState(SurveyStatus.CLOSED.value, NOW + timedelta(days=1)),
        "due": open_until(NOW),  # the deadline is the first moment it is closed
    }
    batch = [pending(1, "open"), pending(2, "closed"), pending(3, "due"), pending(4, "gone")]

    settled = settle(batch, surveys)

    assert settled.rows == [batch[0]]
    assert settled.first_of == [0, None, None, None]
    assert settled.outcomes[1:] == [CLOSED, CLOSED, UNKNOWN]


def test_settle_keeps_one_row_per_person_with_their_last_answers() -> None:
    surveys = {"s1": open_until(NOW + timedelta(days=1)), "s2": open_until(NOW + timedelta(days=1))}
    first, again, other, last = (
        pending(1, choice="a"),
        pending(1, choice="b"),
        pending(1, "s2", choice="c"),  # the same person in another survey is another row
        pending(1, choice="d"),
    )

    settled = settle([first, again, other, last], surveys)

    assert settled.rows == [last, other]
    assert settled.first_of == [0, None, 1, None]
    # The later answers replace the first, whether or not the first was new.
    assert settled.outcomes[1] is REPLACED
    assert settled.outcomes[3] is REPLACED


# ResponseBatches: one writer, the queue as the next batch.


class RecordingWrite:
    """A batch writer that remembers its batches and can be held until released."""

    def __init__(self) -> None:
        self.batches: list[list[PendingResponse]] = []
        self.release = asyncio.Event()
        self.release.set()
        self.entered = asyncio.Event()
        self.failing: set[int] = set()  # batch numbers (from 0) that raise

    async def __call__(self, batch: Sequence[PendingResponse]) -> list[ResponseOutcome]:
        number = len(self.batches)
        self.batches.append(list(batch))
        self.entered.set()
        await self.release.wait()
        if number in self.failing:
            raise OSError(f"batch {number} failed")
        return [ADDED if int(r.answers["sponsor"]) % 2 else REPLACED for r in batch]


def numbered(number: int) -> PendingResponse:
    return PendingResponse("s1", key(number), {"sponsor": str(number)}, NOW)


async def test_responses_that_arrive_during_a_write_are_written_together_next() -> None:
    write = RecordingWrite()
    batches = ResponseBatches(write)
    write.release.clear()
    first = asyncio.create_task(batches.record(numbered(1)))
    await write.entered.wait()  # the first batch is being written

    later = [asyncio.create_task(batches.record(numbered(n))) for n in range(2, 12)]
    await asyncio.sleep(0)
    write.release.set()
    outcomes = await asyncio.gather(first, *later)

    assert [len(batch) for batch in write.batches] == [1, 10]
    assert outcomes == [ADDED if n % 2 else REPLACED for n in range(1, 12)]


async def test_a_burst_is_cut_into_batches_of_at_most_max_batch() -> None:
    write = RecordingWrite()
    batches = ResponseBatches(write, max_batch=4)

    outcomes = await asyncio.gather(*(batches.record(numbered(n)) for n in range(10)))

    assert [len(batch) for batch in write.batches] == [4, 4, 2]
    assert [r.answers["sponsor"] for b in write.batches for r in b] == [str(n) for n in range(10)]
    assert outcomes == [ADDED if n % 2 else REPLACED for n in range(10)]


async def test_a_failed_batch_fails_each_of_its_callers_and_the_next_batch_is_written() -> None:
    write = RecordingWrite()
    write.failing = {0}
    write.release.clear()
    batches = ResponseBatches(write)
    doomed = [asyncio.create_task(batches.record(numbered(n))) for n in range(3)]
    await write.entered.wait()
    following = [asyncio.create_task(batches.record(numbered(n))) for n in range(3, 5)]
    await asyncio.sleep(0)
    write.release.set()

    failed = await asyncio.gather(*doomed, return_exceptions=True)
    written = await asyncio.gather(*following)

    assert all(isinstance(error, OSError) for error in failed)
    assert written == [ADDED, REPLACED]  # 3 is odd, 4 even


async def test_a_write_that_answers_the_wrong_number_of_outcomes_fails_its_callers() -> None:
    async def short(batch: Sequence[PendingResponse]) -> list[ResponseOutcome]:
        return [ADDED] * (len(batch) - 1)

    batches = ResponseBatches(short)

    results = await asyncio.gather(
        *(batches.record(numbered(n)) for n in range(3)), return_exceptions=True
    )

    assert all(isinstance(result, RuntimeError) for result in results)


async def test_a_caller_that_gives_up_does_not_cancel_its_batch() -> None:
    write = RecordingWrite()
    write.release.clear()
    batches = ResponseBatches(write)
    impatient = asyncio.create_task(batches.record(numbered(1)))
    patient = asyncio.create_task(batches.record(numbered(2)))
    await write.entered.wait()

    impatient.cancel()
    write.release.set()

    assert await patient is REPLACED
    assert impatient.cancelled()
    assert [len(batch) for batch in write.batches] == [2]  # the cancelled one was written too


async def test_the_writer_stops_when_the_queue_is_empty_and_a_new_one_starts_later() -> None:
    write = RecordingWrite()
    batches = ResponseBatches(write)

    assert await batches.record(numbered(1)) is ADDED
    await asyncio.sleep(0)
    assert await batches.record(numbered(3)) is ADDED

    assert [len(batch) for batch in write.batches] == [1, 1]


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ResponseBatches(RecordingWrite(), max_batch=0)


# On the real databases.


@pytest.fixture(
    params=[
        pytest.param("sqlite-file", id="sqlite-file"),
        pytest.param(IN_MEMORY_SQLITE, id="sqlite-memory"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def sql_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """The SQL backends of conftest's `backend_url` (the memory storage has no
    transactions to share)."""
    if request.param == "sqlite-file":
        return sqlite_url
    if request.param == IN_MEMORY_SQLITE:
        return IN_MEMORY_SQLITE
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def sql_storage(sql_url: str) -> AsyncIterator[SqlStorage]:
    if sql_url == IN_MEMORY_SQLITE:
        storage = SqlStorage.from_url(sql_url)
        await upgrade_engine(storage.database.engine)
    else:
        await upgrade(sql_url)
        storage = SqlStorage.from_url(sql_url)
    try:
        yield storage
    finally:
        await storage.close()


async def test_a_burst_of_responses_shares_one_transaction(sql_storage: SqlStorage) -> None:
    storage = sql_storage
    survey = SurveyRecord(
        id=f"{1:032x}",
        platform="slack",
        workspace="T0001",
        channel="C0001",
        launcher_key=key(0),
        question_ids=("sponsor",),
        knowledge_version="v1",
        threshold=3,
        created_at=NOW,
        deadline=NOW + timedelta(days=1),
        remind_at=None,
    )
    await storage.pulse.create_survey(survey)
    commits: list[int] = []
    event.listen(storage.database.engine.sync_engine, "commit", lambda _: commits.append(1))

    outcomes = await asyncio.gather(
        *(
            storage.pulse.record_response(survey.id, key(n % 150), {"sponsor": str(n)}, NOW)
            for n in range(200)
        )
    )

    assert outcomes.count(ADDED) == 150
    assert outcomes.count(REPLACED) == 50
    assert len(commits) == 1
    assert await storage.pulse.count_responses(survey.id) == 150
    # Each person's last answers are the ones kept.
    assert await storage.pulse.load_response(survey.id, key(10)) == {"sponsor": "160"}


async def test_a_failed_batch_whose_caller_gave_up_logs_nothing_unretrieved(
    caplog: pytest.LogCaptureFixture,
) -> None:
    write = RecordingWrite()
    write.failing = {0}
    write.release.clear()
    batches = ResponseBatches(write)
    impatient = asyncio.create_task(batches.record(numbered(1)))
    await write.entered.wait()
    impatient.cancel()
    write.release.set()
    await asyncio.sleep(0.01)
    del impatient
    gc.collect()
    await asyncio.sleep(0)

    assert "never retrieved" not in caplog.text
