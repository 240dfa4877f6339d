"""The one place where the engine meets storage: a turn is one transaction of the store, which
loads the conversation, applies the engine, and saves the new state with any completed
assessment (and the delivery key that makes a redelivery a no-op); the replies come back."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.engine.dialogue import handle
from bot.engine.index import KnowledgeIndex, index_for
from bot.engine.progress import HISTORY_LENGTH, PastResult, with_past
from bot.engine.replies import NoticeLevel, NoticeReply, Reply, Summary, SummaryReply
from bot.engine.state import ConversationState, Phase
from bot.engine.summary import build_summary
from bot.engine.turn import Choice, Command, Turn
from bot.knowledge.model import Knowledge
from bot.observability import record as outcome
from bot.views import catalogue
from storage.conversations import (
    DELIVERY_KEY_LENGTH,
    AssessmentRecord,
    ConversationKey,
    ConversationStore,
    StoredConversation,
    TurnWrite,
)
from storage.errors import ConcurrentUpdateError, DuplicateDeliveryError, StorageError

log = logging.getLogger(__name__)

# Two turns of one user racing (a double click, two devices) rarely collide more than once.
MAX_ATTEMPTS = 5
APOLOGY = catalogue.SORRY
# The stored results a summary reads: the one shown, and the history before it.
RESULTS_READ = HISTORY_LENGTH + 1


def utc_now() -> datetime:
    return datetime.now(UTC)


class AdvisorService:
    def __init__(
        self,
        repository: ConversationStore,
        knowledge: Callable[[], Knowledge],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._repository = repository
        self._knowledge = knowledge
        self._clock = clock

    async def handle(
        self,
        key: ConversationKey,
        *,
        text: str = "",
        choice: Choice | None = None,
        command: Command | None = None,
        argument: str = "",
        delivery_key: str | None = None,
    ) -> list[Reply]:
        """Apply one user action and return the replies. Never raises for the user's input:
        a failure is logged (ids only) and answered with an apology. With `delivery_key` (the
        platform's id of this delivery) a redelivery is recognised and answers nothing; the key
        is recorded together with the turn's save, so an answering turn costs one write."""
        try:
            turn = _Action(text, choice, command, argument)
            return await self._handle(key, turn, _bounded(delivery_key))
        except Exception:
            outcome.turn(key.platform, outcome.FAILED)
            log.exception(
                "turn failed platform=%s workspace=%s user=%s",
                key.platform,
                key.workspace,
                key.user,
            )
            return [NoticeReply(APOLOGY, NoticeLevel.ERROR)]

    async def _handle(
        self, key: ConversationKey, action: _Action, delivery_key: str | None
    ) -> list[Reply]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            step = _Step(key, action, self._clock(), self._knowledge())
            try:
                version = await self._repository.run_turn(key, step, step.now, delivery_key)
            except ConcurrentUpdateError:
                log.info("turn conflict, retrying attempt=%d user=%s", attempt, key.user)
                continue
            except DuplicateDeliveryError:
                outcome.turn(key.platform, outcome.DUPLICATE)
                log.info("duplicate delivery dropped user=%s", key.user)
                return []
            if version is None:
                outcome.turn(key.platform, outcome.UNCHANGED)
                return await self._with_past_results(key, step)
            completed = step.completed
            outcome.turn(key.platform, outcome.COMPLETED if completed else outcome.ANSWERED)
            log.info(
                "turn platform=%s workspace=%s user=%s phase=%s completed=%s",
                key.platform,
                key.workspace,
                key.user,
                step.phase,
                completed,
            )
            return await self._with_past_results(key, step)
        raise ConcurrentUpdateError(f"gave up after {MAX_ATTEMPTS} conflicting saves")

    async def first_delivery(self, delivery_key: str | None) -> bool:
        """True the first time a platform delivery is seen, across processes; False for a
        redelivery (a retried event, a double click), which must not be processed again.
        True for no key (nothing to de-duplicate): nothing is recorded then."""
        if delivery_key is None:
            return True
        return await self._first(_bounded(delivery_key) or "")

    async def _first(self, delivery_key: str) -> bool:
        first = await self._repository.record_delivery(delivery_key, self._clock())
        if not first:
            log.info("duplicate delivery dropped")
        return first

    async def latest_assessment(self, key: ConversationKey) -> AssessmentRecord | None:
        return await self._repository.latest_assessment(key)

    async def overview(self, key: ConversationKey) -> Overview:
        """The user's latest summary (the finished conversation's, else the latest stored
        assessment's, rebuilt with today's knowledge) with the progress since the result before
        it and the history of results, and whether a diagnostic is in progress: what an App
        Home, a share or a report needs."""
        stored = await self._repository.load_conversation(key)
        state = ConversationState.from_json(stored.state if stored else None)
        index = index_for(self._knowledge())
        if state.phase is Phase.DONE:
            when = state.completed_at or self._clock()
            summary = build_summary(state.answers, index, when)
            shown = _Shown(state.completed_at, state.answers)
            return Overview(await self._with_past(key, summary, shown, index), in_progress=False)
        # One read for the summary and its history: they are the newest stored results.
        records = await self._repository.list_assessments(key, limit=RESULTS_READ)
        in_progress = state.phase is Phase.ASKING
        if not records:
            return Overview(None, in_progress)
        latest = records[-1]
        summary = build_summary(latest.answers, index, latest.completed_at)
        shown = _Shown(latest.completed_at, latest.answers)
        return Overview(_attached(key, summary, shown, records, index), in_progress)

    async def _with_past_results(self, key: ConversationKey, step: _Step) -> list[Reply]:
        """The turn's replies, a summary among them given the person's earlier results. Only
        a turn that shows a summary reads them (one bounded read); an answer turn reads
        nothing more."""
        if step.shown is None or not any(isinstance(r, SummaryReply) for r in step.replies):
            return step.replies
        index = index_for(step.knowledge)
        return [
            replace(r, summary=await self._with_past(key, r.summary, step.shown, index))
            if isinstance(r, SummaryReply)
            else r
            for r in step.replies
        ]

    async def _with_past(
        self, key: ConversationKey, summary: Summary, shown: _Shown, index: KnowledgeIndex
    ) -> Summary:
        """`summary` with the stored results before it. If they cannot be read, the summary
        is shown without them: the history is never worth losing the result over."""
        try:
            records = await self._repository.list_assessments(key, limit=RESULTS_READ)
        except Exception as error:  # StorageError, as a rule
            _history_failed(key, error)
            return summary
        return _attached(key, summary, shown, records, index)


class _Step:
    """One attempt at a turn: given the stored conversation, what the engine answers and what
    is to be saved (`storage.conversations.TurnStep`). It runs inside the store's transaction,
    and it is quick and pure: the engine, and the assessment when the turn completed one."""

    def __init__(
        self, key: ConversationKey, action: _Action, now: datetime, knowledge: Knowledge
    ) -> None:
        self.key = key
        self.action = action
        self.now = now
        self.knowledge = knowledge
        self.replies: list[Reply] = []
        self.phase = Phase.ASKING
        self.completed = False
        self.shown: _Shown | None = None  # the finished diagnostic, when the turn ends on one

    def __call__(self, stored: StoredConversation | None) -> TurnWrite:
        state = ConversationState.from_json(stored.state if stored else None)
        action = self.action
        turn = Turn(self.now, action.text, action.choice, action.command, action.argument)
        new_state, self.replies = handle(state, turn, self.knowledge)
        self.phase = new_state.phase
        if new_state.phase is Phase.DONE:
            self.shown = _Shown(new_state.completed_at, new_state.answers)
        if stored is not None and new_state == state:
            return TurnWrite(None)
        assessment = _completed_assessment(self.key, state, new_state, self.replies, self.knowledge)
        self.completed = assessment is not None
        return TurnWrite(new_state.to_json(), assessment)


@dataclass(frozen=True)
class _Action:
    text: str
    choice: Choice | None
    command: Command | None
    argument: str


def _bounded(delivery_key: str | None) -> str | None:
    """Delivery keys fit the database column: a long one is replaced by its hash."""
    if delivery_key is None or len(delivery_key) <= DELIVERY_KEY_LENGTH:
        return delivery_key
    return "sha256:" + hashlib.sha256(delivery_key.encode()).hexdigest()


@dataclass(frozen=True)
class Overview:
    summary: Summary | None
    in_progress: bool


@dataclass(frozen=True)
class _Shown:
    """The result a summary shows: when it was completed (None in states saved before that
    was kept) and its answers."""

    completed_at: datetime | None
    answers: Mapping[str, str | None]


def _attached(
    key: ConversationKey,
    summary: Summary,
    shown: _Shown,
    records: list[AssessmentRecord],
    index: KnowledgeIndex,
) -> Summary:
    """`summary` with the progress since the stored result before the one shown and the
    history of those before it; `records` are the newest stored results, oldest first."""
    try:
        past = [_past_result(record) for record in _before(records, shown.completed_at)]
        return with_past(summary, shown.answers, past, index)
    except Exception as error:  # a bug: the summary still goes out, without its history
        _history_failed(key, error)
        return summary


def _before(records: list[AssessmentRecord], shown_at: datetime | None) -> list[AssessmentRecord]:
    """The stored results before the one shown, newest first. The result shown is the newest
    stored (the turn that completed it saved it), and it is told apart by its time: a
    finished conversation whose result has since been purged still finds the ones before."""
    if shown_at is None:
        return records[-2::-1]
    return [record for record in reversed(records) if record.completed_at < shown_at]


def _past_result(record: AssessmentRecord) -> PastResult:
    return PastResult(
        record.completed_at, record.recommendation, record.clarity, record.answers, record.scores
    )


def _history_failed(key: ConversationKey, error: Exception) -> None:
    """Counted, and logged with ids and the error's name; a traceback only for what is not a
    database failure (a bug), as a turn's failure is logged."""
    outcome.error("summary_history")
    log.error(
        "summary history failed platform=%s workspace=%s user=%s error=%s",
        key.platform,
        key.workspace,
        key.user,
        type(error).__name__,
        exc_info=None if isinstance(error, StorageError) else error,
    )


def _completed_assessment(
    key: ConversationKey,
    before: ConversationState,
    after: ConversationState,
    replies: list[Reply],
    knowledge: Knowledge,
) -> AssessmentRecord | None:
    if after.phase is not Phase.DONE or before.phase is Phase.DONE:
        return None
    summary = next(
        (r.summary for r in replies if isinstance(r, SummaryReply) and r.completed_now), None
    )
    if summary is None:
        return None
    return AssessmentRecord(
        key=key,
        completed_at=after.completed_at or utc_now(),
        knowledge_version=knowledge.version,
        recommendation=summary.recommended.id,
        clarity=summary.clarity.value,
        answers=dict(after.answers),
        scores={score.model.id: round(score.score, 4) for score in summary.scores},
    )
