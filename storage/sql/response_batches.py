"""Group commit for survey responses: the answers that arrive while one batch is being written
are written together, in the next transaction.

Under a burst (a channel of hundreds answering in the same minute) most of a response's cost
was not its row but its transaction: taking a pooled connection (PostgreSQL checks it is alive
with a round trip of its own), BEGIN, the survey's lock, COMMIT and the flush to disk that a
commit waits for. A batch pays those once. When answers come one at a time, a batch is one
answer and is written at once, so nothing waits for company.

Each response is still its own insert-or-replace keyed by (survey, respondent key), and each
caller gets its own outcome, exactly as if the batch's responses had been recorded one after
the other in the order they arrived (`settle` below). A batch is one transaction, so it is
written entirely or not at all; when it fails every caller in it gets the error, and nobody
has been told "recorded" for an answer that was not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.pulse import ResponseOutcome, SurveyStatus

# A cap keeps one transaction short (a close waits for it) and its statement's parameter
# lists well inside every driver's limits.
MAX_BATCH = 256


@dataclass(frozen=True)
class PendingResponse:
    """One respondent's answers, checked, waiting for its batch."""

    survey_id: str
    respondent_key: str
    answers: dict[str, str]
    at: datetime
    # The person's member key, marked "responded" with the answer (`storage.reminders`).
    member_key: str | None = None


@dataclass(frozen=True)
class SurveyState:
    """What a batch needs to know of a survey: may it still be answered at a given time?"""

    status: str
    deadline: datetime

    def accepts(self, at: datetime) -> bool:
        return self.status == SurveyStatus.OPEN.value and at < self.deadline


@dataclass(frozen=True)
class Settlement:
    """What a batch writes, and what each of its responses is told.

    `rows` are the responses to write: one per (survey, respondent key), with the last answers
    the batch holds for it (a statement may not touch one row twice). `first_of[i]` is the index
    in `rows` whose write outcome response i reports, or None when `outcomes[i]` is already
    final (an unknown or closed survey, or a second answer of the same person in this batch,
    which replaces the first whatever the first was).
    """

    rows: list[PendingResponse]
    first_of: list[int | None]
    outcomes: list[ResponseOutcome]


def settle(batch: Sequence[PendingResponse], surveys: Mapping[str, SurveyState]) -> Settlement:
    """Decide each response of `batch` as if they were recorded one by one, in order."""
    rows: list[PendingResponse] = []
    row_of: dict[tuple[str, str], int] = {}
    first_of: list[int | None] = []
    outcomes: list[ResponseOutcome] = []
    for response in batch:
        survey = surveys.get(response.survey_id)
        key = (response.survey_id, response.respondent_key)
        if survey is None:
            first_of.append(None)
            outcomes.append(ResponseOutcome.UNKNOWN)
        elif not survey.accepts(response.at):
            first_of.append(None)
            outcomes.append(ResponseOutcome.CLOSED)
        elif key in row_of:
            rows[row_of[key]] = response  # the later answers are the ones kept
            first_of.append(None)
            outcomes.append(ResponseOutcome.REPLACED)
        else:
            row_of[key] = len(rows)
            rows.append(response)
            first_of.append(row_of[key])
            outcomes.append(ResponseOutcome.REPLACED)  # until the write says it was new
    return Settlement(rows, first_of, outcomes)


def _outcome_unread(future: asyncio.Future[ResponseOutcome]) -> None:
    if not future.cancelled():
        future.exception()


WriteBatch = Callable[[Sequence[PendingResponse]], Awaitable[list[ResponseOutcome]]]


class ResponseBatches:
    """Queues responses and writes them, a batch at a time, with `write` (one transaction per
    call, returning each response's outcome in order).

    One writer task per process, started by the first response that finds none running and
    ending when the queue is empty; so there is nothing to start or stop, and a shutdown that
    waits for its requests also waits for their batches.
    """

    def __init__(self, write: WriteBatch, *, max_batch: int = MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._write = write
        self._max_batch = max_batch
        self._queue: list[tuple[PendingResponse, asyncio.Future[ResponseOutcome]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, response: PendingResponse) -> ResponseOutcome:
        future: asyncio.Future[ResponseOutcome] = asyncio.get_running_loop().create_future()
        self._queue.append((response, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="survey response batches")
        try:
            # A caller that gives up (its request was cancelled) does not take the batch with it.
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # Nobody will read this outcome: say so, or asyncio would log a failed batch's
            # error as "never retrieved" when the future is collected.
            future.add_done_callback(_outcome_unread)
            raise

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                await self._settle(batch)
        except asyncio.CancelledError:
            # The loop is shutting down: nobody is left to write what still waits.
            for _, future in self._queue:
                future.cancel()
            self._queue.clear()
            raise

    async def _settle(
        self, batch: list[tuple[PendingResponse, asyncio.Future[ResponseOutcome]]]
    ) -> None:
        try:
            outcomes = await self._write([response for response, _ in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError("a batch write returned the wrong number of outcomes")
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as error:
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)
