"""Acknowledge button presses and events the moment their signature checks out (in
`SignedRequests`, before this), and let bolt handle them right after, in the background.

Slack ignores the body of the answer to these two kinds (an empty 200 is the whole ack), so
nothing is lost by answering before bolt runs, while under a burst the acknowledgement no longer
queues behind every other request's bolt dispatch on the same event loop. Slash commands, modal
submissions and URL verification answer with content, so they keep bolt's normal path.
A bounded number of dispatches may wait at once; past that, acknowledging waits too
(backpressure instead of an unbounded queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.observability import record

log = logging.getLogger(__name__)

FIRE_AND_FORGET = frozenset({"block_actions", "event_callback"})
# Requests acknowledged and waiting for bolt; past this, acknowledging waits too.
MAX_PENDING = 500
# Bolt dispatches running at once: a handful keeps up (each ends at its listener's ack), and a
# burst's dispatches cannot crowd out its acknowledgements.
DISPATCHERS = 4


class FastAck:
    def __init__(
        self,
        bolt: AsyncApp,
        max_pending: int = MAX_PENDING,
        dispatchers: int = DISPATCHERS,
    ) -> None:
        self._bolt = bolt
        # Each request with its context (request id, metrics): the dispatchers are long-lived
        # tasks that would otherwise log everything under the first request's id.
        self._queue: asyncio.Queue[tuple[AsyncBoltRequest, contextvars.Context]] = asyncio.Queue(
            maxsize=max_pending
        )
        self._dispatchers = dispatchers
        self._workers: list[asyncio.Task[None]] = []

    def takes(self, request: AsyncBoltRequest) -> bool:
        """A button press or event, of a request `SignedRequests` let in (anything else goes
        through bolt)."""
        return request.body.get("type") in FIRE_AND_FORGET

    async def dispatch_later(self, request: AsyncBoltRequest) -> None:
        if not self._workers:
            self._workers = [asyncio.create_task(self._work()) for _ in range(self._dispatchers)]
        await self._queue.put((request, contextvars.copy_context()))

    async def _work(self) -> None:
        while True:
            request, context = await self._queue.get()
            try:
                dispatch = self._bolt.async_dispatch(request)
                response = await asyncio.create_task(dispatch, context=context)
                if response.status >= 400:
                    log.warning("slack request refused after its ack status=%d", response.status)
            except Exception:
                record.error("slack_dispatch")
                log.exception("slack dispatch after the ack failed")
            finally:
                self._queue.task_done()

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for acknowledged requests to reach their listeners, then stop
        the dispatchers; the number of requests left undispatched."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout=seconds)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        return self._queue.qsize()
