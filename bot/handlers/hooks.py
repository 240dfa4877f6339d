"""Small pieces of aiohttp wiring every platform's routes use: the platform noted on a
request, and a close function as an application hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.observability import context

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def on_platform(platform: str, handler: Handler) -> Handler:
    """The route's platform in the request context, known before the request is verified (the
    workspace is noted once it is: see the platforms' `observe`)."""

    async def noted(request: web.Request) -> web.StreamResponse:
        context.note(platform=platform)
        return await handler(request)

    return noted


def calling(close: Callable[[], Awaitable[None]]) -> Callable[[web.Application], Awaitable[None]]:
    """An aiohttp start-up, shutdown or cleanup hook that calls `close`."""

    async def hook(_web_app: web.Application) -> None:
        await close()

    return hook
