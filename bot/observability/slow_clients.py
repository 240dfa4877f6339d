"""A slow client may not hold a request open: its body must arrive within BODY_SECONDS.

aiohttp reads a body only when a handler asks for it, and waits as long as the client takes;
a client trickling a byte a second could hold a request (and whatever the handler holds while
reading) for as long as it liked. This middleware reads the body first, within the limit, and
answers 408 when it does not arrive. Headers are bounded by aiohttp's keep-alive timer, which
runs from a connection's start until a request's head is in: `advisor serve` sets it to
KEEPALIVE_SECONDS, so a client trickling headers, or idling between requests, is closed then.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

log = logging.getLogger(__name__)

BODY_SECONDS = 10.0
KEEPALIVE_SECONDS = 15.0


def body_deadline(seconds: float = BODY_SECONDS) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()  # kept by aiohttp for the handler
            except TimeoutError:
                log.info("request body too slow path=%s", request.path)
                return web.Response(status=408, text="the request body arrived too slowly")
        return await handler(request)

    return middleware
