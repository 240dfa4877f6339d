"""Turns of work shared fairly between conversations, and work turned away when it cannot be
done in time.

A platform acknowledges a request at once and does its work after (Slack's 3-second rule); the
work then waits for one of a few turns. Served first come, first served, one person's burst of
thousands of button presses would make everyone behind it wait for all of them. Here each
conversation has its own line and the turns go round the conversations: a conversation that
starts now waits for at most one turn of each conversation already waiting, however long their
lines are.

Load is shed, never queued without bound: a conversation may keep only so many requests
waiting, and a request is turned away when the turns ahead of it would take longer than people
wait (`PATIENCE_SECONDS`, judged from how long turns have been taking). Whoever is
turned away is told to try again (the caller's `Busy` handling), and it is counted and logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from bot.observability import record

log = logging.getLogger(__name__)

# A person clicking faster than their work is done: past this many requests waiting in one
# conversation, more are turned away until the line shortens.
MOST_WAITING_PER_CONVERSATION = 20
# How long a request may be expected to wait for its turn before it is turned away.
PATIENCE_SECONDS = 20.0
# The first guess of how long a turn takes, before any has been measured.
FIRST_TURN_SECONDS = 0.05
# Weight of the latest turn in the moving average of turn times.
SMOOTHING = 0.1
# One busy reply per conversation per this many seconds; conversations remembered at most.
BUSY_REPLY_SECONDS = 60.0
MOST_BUSY_REMEMBERED = 10_000


class Busy(Exception):
    """This request's work is turned away; `reason` says why (for the log and the metric)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FairTurns:
    def __init__(
        self,
        turns: int,
        *,
        most_waiting_per_conversation: int = MOST_WAITING_PER_CONVERSATION,
        patience_seconds: float = PATIENCE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if turns < 1:
            raise ValueError("at least one turn")
        self._turns = turns
        self._free = turns
        self._most_waiting = most_waiting_per_conversation
        self._patience = patience_seconds
        self._clock = clock
        # Conversations in the order their next turn comes; each with its waiting requests.
        self._lines: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        self._turn_seconds = FIRST_TURN_SECONDS

    @property
    def waiting(self) -> int:
        return sum(len(line) for line in self._lines.values())

    @property
    def conversations_waiting(self) -> int:
        return len(self._lines)

    def expected_wait(self, conversation: str) -> float:
        """Seconds one more request of `conversation` can expect to wait for its turn: each
        request ahead of it in its own line is one round of every conversation waiting."""
        line = self._lines.get(conversation)
        rounds = (len(line) if line is not None else 0) + 1
        conversations = len(self._lines) + (line is None)
        return rounds * conversations * self._turn_seconds / self._turns

    async def acquire(self, conversation: str, *, may_turn_away: bool = True) -> Callable[[], None]:
        """Wait for `conversation`'s turn; returns what ends the turn (call it once, when the
        work is done). Busy when the work is turned away (never with `may_turn_away=False`:
        for work whose request was answered as done already)."""
        await self._acquire(conversation, may_turn_away)
        started = self._clock()
        ended = False

        def release() -> None:
            nonlocal ended
            if not ended:
                ended = True
                self._learn(self._clock() - started)
                self._release()

        return release

    async def _acquire(self, conversation: str, may_turn_away: bool) -> None:
        if self._free > 0 and not self._lines:
            self._free -= 1
            return
        line = self._lines.get(conversation)
        if may_turn_away:
            if line is not None and len(line) >= self._most_waiting:
                raise Busy("conversation_backlog")
            if self.expected_wait(conversation) > self._patience:
                raise Busy("overloaded")
        if line is None:
            line = self._lines[conversation] = deque()
        granted = asyncio.get_running_loop().create_future()
        line.append(granted)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._release()  # the turn came as the waiter left: pass it on
            else:
                self._forget(conversation, granted)
            raise

    def _release(self) -> None:
        """Hand the turn to the next conversation in the round, or free it."""
        while self._lines:
            conversation, line = self._lines.popitem(last=False)
            granted = line.popleft()
            if line:
                self._lines[conversation] = line  # to the back of the round
            if not granted.done():
                granted.set_result(None)
                return
        self._free += 1

    def _forget(self, conversation: str, granted: asyncio.Future[None]) -> None:
        line = self._lines.get(conversation)
        if line is None:
            return
        try:
            line.remove(granted)
        except ValueError:
            return
        if not line:
            del self._lines[conversation]

    def _learn(self, seconds: float) -> None:
        self._turn_seconds += SMOOTHING * (seconds - self._turn_seconds)


class BusyReplies:
    """Work turned away on one platform: each counted, and told (and logged) once a minute per
    conversation at most, so a burst being shed does not become a burst of replies."""

    def __init__(
        self, platform: str, turns: FairTurns, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._platform = platform
        self._turns = turns
        self._clock = clock
        self._told: OrderedDict[str, float] = OrderedDict()

    def turned_away(self, conversation: str, reason: str) -> bool:
        """Count it; True when the conversation should be told it is busy."""
        record.shed(self._platform, reason)
        if not self._should_tell(conversation):
            return False
        log.warning(
            "%s work turned away reason=%s waiting=%d conversations=%d",
            self._platform,
            reason,
            self._turns.waiting,
            self._turns.conversations_waiting,
        )
        return True

    def _should_tell(self, conversation: str) -> bool:
        now = self._clock()
        told = self._told.get(conversation)
        if told is not None and now - told < BUSY_REPLY_SECONDS:
            return False
        self._told[conversation] = now
        self._told.move_to_end(conversation)
        while len(self._told) > MOST_BUSY_REMEMBERED:
            self._told.popitem(last=False)
        return True
