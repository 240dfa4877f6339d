"""The one place where the engine meets storage: a turn is one transaction of the store, which
loads the conversation, applies the engine, and saves the new state with any completed
assessment (and the delivery key that makes a redelivery a no-op); the replies come back."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.engine.dialogue import handle
from bot.engine.index import index_for
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
from storage.errors import ConcurrentUpdateError, DuplicateDeliveryError

log = logging.getLogger(__name__)

# Two turns of one user racing (a double click, two devices) rarely collide more than once.
MAX_ATTEMPTS = 5
APOLOGY = catalogue.SORRY


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
                return step.replies
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
            return step.replies
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
        assessment's, rebuilt with today's knowledge) and whether a diagnostic is in progress:
        what an App Home or a share needs."""
        stored = await self._repository.load_conversation(key)
        state = ConversationState.from_json(stored.state if stored else None)
        index = index_for(self._knowledge())
        if state.phase is Phase.DONE:
            when = state.completed_at or self._clock()
            return Overview(build_summary(state.answers, index, when), in_progress=False)
        record = await self._repository.latest_assessment(key)
        summary = build_summary(record.answers, index, record.completed_at) if record else None
        return Overview(summary, in_progress=state.phase is Phase.ASKING)


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

    def __call__(self, stored: StoredConversation | None) -> TurnWrite:
        state = ConversationState.from_json(stored.state if stored else None)
        action = self.action
        turn = Turn(self.now, action.text, action.choice, action.command, action.argument)
        new_state, self.replies = handle(state, turn, self.knowledge)
        self.phase = new_state.phase
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
