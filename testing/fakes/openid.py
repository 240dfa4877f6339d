"""A local stand-in for the Bot Framework's OpenID metadata and signing-key endpoints.

`advisor serve` with Teams credentials fetches the channel's token-signing keys from
login.botframework.com (MICROSOFT_OPENID_METADATA_URL points it here instead). The fake
serves a metadata document naming its own `/keys`, and the public keys of the signers it
publishes; it can be made slow or down, and counts what it was asked for.

    async with FakeOpenIdServer(signer) as openid:
        settings = Settings(..., microsoft_openid_metadata_url=openid.metadata_url)
"""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

from aiohttp import web

from testing.fakes.local_server import local_server
from testing.fakes.teams_activities import ChannelTokenSigner


class FakeOpenIdServer:
    def __init__(self, *signers: ChannelTokenSigner) -> None:
        self.published: list[ChannelTokenSigner] = list(signers)
        # Seconds each request waits before its answer; `down`: every request gets a 503.
        self.delay = 0.0
        self.down = False
        self.metadata_requests = 0
        self.key_requests = 0
        self._base = ""
        self._serving: AbstractAsyncContextManager[str] | None = None
        self._closing = asyncio.Event()  # ends the waits of a slow server at the block's end

    @property
    def metadata_url(self) -> str:
        return f"{self._base}/v1/.well-known/openidconfiguration"

    def rotate(self, *signers: ChannelTokenSigner) -> None:
        """Publish these keys from now on, and only these."""
        self.published = list(signers)

    async def __aenter__(self) -> FakeOpenIdServer:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/keys", self._keys)
        self._serving = local_server(app)
        self._base = await self._serving.__aenter__()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._serving is not None
        self._closing.set()
        await self._serving.__aexit__(kind, error, trace)

    async def _metadata(self, _request: web.Request) -> web.StreamResponse:
        self.metadata_requests += 1
        return await self._answer(
            {"issuer": "https://api.botframework.com", "jwks_uri": f"{self._base}/keys"}
        )

    async def _keys(self, _request: web.Request) -> web.StreamResponse:
        self.key_requests += 1
        return await self._answer({"keys": [signer.jwk for signer in self.published]})

    async def _answer(self, document: dict[str, Any]) -> web.StreamResponse:
        if self.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.delay)
        if self.down or self._closing.is_set():
            return web.Response(status=503)
        return web.json_response(document)
