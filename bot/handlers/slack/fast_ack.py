"""Acknowledge button presses and events the moment their signature checks out, and let bolt
handle them right after, in the background.

Slack ignores the body of the answer to these two kinds (an empty 200 is the whole ack), so
nothing is lost by answering before bolt runs, while under a burst the acknowledgement no longer
queues behind every other request's bolt dispatch on the same event loop. Slash commands, modal
submissions and URL verification answer with content, so they keep bolt's normal path.
A bounded number of dispatches may wait at once; past that, acknowledging waits too
(backpressure instead of an unbounded queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

FIRE_AND_FORGET = frozenset({"block_actions", "event_callback"})
MAX_PENDING = 500


class FastAck:
    def __init__(self, bolt: AsyncApp, signing_secret: str, max_pending: int = MAX_PENDING):
        self._bolt = bolt
        self._verifier = SignatureVerifier(signing_secret)
        self._max_pending = max_pending
        self._pending: set[asyncio.Task[Any]] = set()

    def takes(self, body: str, content_type: str | None, headers: Mapping[str, str]) -> bool:
        """A correctly signed button press or event (anything else goes through bolt)."""
        kind = parse_body(body, content_type).get("type")
        return kind in FIRE_AND_FORGET and self._verifier.is_valid_request(body, headers)

    async def dispatch_later(self, request: AsyncBoltRequest) -> None:
        while len(self._pending) >= self._max_pending:
            await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.create_task(self._dispatch(request))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _dispatch(self, request: AsyncBoltRequest) -> None:
        response = await self._bolt.async_dispatch(request)
        if response.status >= 400:
            log.warning("slack request refused after its ack status=%d", response.status)

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for dispatches not yet handed to a listener."""
        if not self._pending:
            return 0
        _, still_running = await asyncio.wait(set(self._pending), timeout=seconds)
        return len(still_running)
