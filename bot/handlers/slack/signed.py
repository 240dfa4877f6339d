"""Read a request from Slack: its signature first, on the raw bytes, and only then its body.

Bolt's own adapter parses the body before anything checks who sent it, so `{garbage`, bytes
that are not UTF-8, `payload=%7Bbad`, JSON nested thousands deep or a timestamp that is not a
number ended in a 500 for anyone on the internet. Here an unsigned (or wrongly signed, or stale)
request is refused with 401 before a byte of it is parsed, and a signed body that cannot be
parsed gets 400. Slack's scheme: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` with the
signing secret, the timestamp within five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

# Slack's own bound on a request's age (replays older than this are refused).
MAX_AGE_SECONDS = 5 * 60


class SignedRequests:
    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode()
        self._clock = clock

    def is_signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether `body` carries a valid, fresh Slack signature in `headers`."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return False
        if abs(self._clock() - int(timestamp)) > MAX_AGE_SECONDS:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))

    async def read(self, request: web.Request) -> AsyncBoltRequest | web.Response:
        """The request as bolt's, or the response that refuses it (401 unsigned, 400 a signed
        body that is not a Slack payload)."""
        body = await request.read()
        if not self.is_signed(body, request.headers):
            return web.Response(status=401, text="invalid signature")
        try:
            text = body.decode("utf-8")
            return AsyncBoltRequest(
                body=text,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (UnicodeDecodeError, ValueError, TypeError, KeyError, RecursionError):
            return web.Response(status=400, text="not a Slack payload")
