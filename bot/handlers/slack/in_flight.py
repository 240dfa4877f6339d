"""Runs the Slack listeners: the acknowledgement first and at once, then the work, in fair
turns between conversations (see `bot.fair_turns`); and knows which are still running, so a
shutdown can let them finish instead of cutting a reply (or a database write) in half.

Which conversation a request belongs to is noted by a bolt middleware (`note_conversation`),
which runs before the listener for every request, so listeners need not ask for it. Work turned
away gets a polite "busy" reply, at most one per conversation a minute: a burst that is being
shed must not become a burst of replies.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from bot.fair_turns import Busy, BusyReplies, FairTurns
from bot.handlers import failures
from bot.views.catalogue import BUSY

log = logging.getLogger(__name__)

# Listeners doing their work (database, engine, Web API calls) at the same time. Past this
# they wait their turn after acknowledging: the work of a burst then cannot crowd out the
# acknowledgements on the event loop, and SQLite and Slack's rate limits see a steady pace.
WORKERS = 8

_CONVERSATION: contextvars.ContextVar[tuple[str, AsyncBoltContext | None]] = contextvars.ContextVar(
    "slack_conversation", default=("", None)
)


def conversation_of(context: AsyncBoltContext) -> str:
    """The workspace and person (or channel, for events without one) a request comes from."""
    who = context.user_id or context.channel_id or ""
    return f"{context.enterprise_id or ''}:{context.team_id or ''}:{who}"


async def note_conversation(
    context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
) -> BoltResponse:
    """A bolt middleware: the listener started by `next` runs in a copy of this context."""
    _CONVERSATION.set((conversation_of(context), context))
    return await next()


class InFlight:
    def __init__(self, workers: int = WORKERS, turns: FairTurns | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._turns = turns or FairTurns(workers)
        self._busy_replies = BusyReplies("slack", self._turns)

    def track(
        self, listener: Callable[..., Awaitable[None]], *, may_turn_away: bool = True
    ) -> Callable[..., Coroutine[Any, Any, None]]:
        """`listener` run in turns. `may_turn_away=False` for listeners that do their work
        before they acknowledge (a modal's submission is answered with its outcome): what
        follows their ack is never turned away with a "couldn't do that" reply."""

        # functools.wraps keeps the signature bolt reads to inject arguments by name.
        @functools.wraps(listener)
        async def tracked(*args: Any, **kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            try:
                await self._run(listener, args, kwargs, may_turn_away)
            finally:
                if task is not None:
                    self._tasks.discard(task)

        return tracked

    async def _run(
        self,
        listener: Callable[..., Awaitable[None]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        may_turn_away: bool,
    ) -> None:
        conversation, context = _CONVERSATION.get()
        real_ack: Callable[..., Awaitable[Any]] | None = kwargs.get("ack")
        release: Callable[[], None] | None = None
        acknowledged = real_ack is None  # events: bolt has acknowledged already

        async def ack_then_wait_turn(*ack_args: Any, **ack_kwargs: Any) -> None:
            nonlocal release, acknowledged
            assert real_ack is not None
            await real_ack(*ack_args, **ack_kwargs)
            acknowledged = True
            release = await self._turns.acquire(conversation, may_turn_away=may_turn_away)

        try:
            if real_ack is not None:
                kwargs["ack"] = ack_then_wait_turn
            else:  # events: bolt has acknowledged already
                release = await self._turns.acquire(conversation)
            await listener(*args, **kwargs)
        except Busy as busy:
            await self._turned_away(conversation, context, busy.reason)
        except Exception as error:
            if not acknowledged:
                raise  # bolt's error handling answers the request
            # After the ack, bolt would replace the answer it is about to send with a 404
            # "unhandled request" (3 s later) if the listener failed fast: keep the ack.
            failures.turn_failed("slack", "listener", error)
        finally:
            if release is not None:
                release()

    async def _turned_away(
        self, conversation: str, context: AsyncBoltContext | None, reason: str
    ) -> None:
        if not self._busy_replies.turned_away(conversation, reason) or context is None:
            return
        try:
            if context.response_url and context.respond is not None:
                await context.respond(text=BUSY, response_type="ephemeral", replace_original=False)
            elif context.channel_id and context.user_id and context.client is not None:
                await context.client.chat_postEphemeral(
                    channel=context.channel_id, user=context.user_id, text=BUSY
                )
            elif context.user_id and context.client is not None:  # a modal: in their DM
                await context.client.chat_postMessage(channel=context.user_id, text=BUSY)
        except (TimeoutError, SlackApiError, OSError) as error:
            log.info("slack busy reply not delivered error=%s", type(error).__name__)

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for running listeners; the number still running."""
        pending = {task for task in self._tasks if task is not asyncio.current_task()}
        if not pending:
            return 0
        _, still_running = await asyncio.wait(pending, timeout=seconds)
        return len(still_running)
