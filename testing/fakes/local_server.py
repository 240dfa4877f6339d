"""Serve an aiohttp application on an ephemeral 127.0.0.1 port for the length of a block."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def local_server(app: web.Application) -> AsyncIterator[str]:
    """Run `app` on 127.0.0.1, port 0, and yield its root URL (`http://127.0.0.1:PORT`).

    Port 0 lets the OS pick a free port, so parallel test runs never collide and nothing listens
    beyond the loopback interface. Access logs are off: they would only drown test output.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
