"""A client trickling its body cannot hold a request: 408 once the deadline passes, and the
handler never runs on half a body."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from aiohttp import web

from bot.observability.slow_clients import body_deadline
from testing.fakes.fixtures import bot_server


async def test_a_trickled_body_gets_408_at_the_deadline() -> None:
    handled: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        handled.append(await request.read())
        return web.Response(text="ok")

    app = web.Application(middlewares=[body_deadline(0.5)])
    app.router.add_post("/in", handler)
    async with bot_server(app) as base:
        address = urlsplit(base)
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        writer.write(
            b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
            b"Content-Type: application/json\r\n\r\n{"
        )
        await writer.drain()
        started = time.perf_counter()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
        elapsed = time.perf_counter() - started
        writer.close()
        assert b" 408 " in status_line
        assert elapsed < 3
        assert handled == []
        # A body sent at once is untouched.
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        writer.write(b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        assert b" 200 " in await asyncio.wait_for(reader.readline(), timeout=5)
        writer.close()
        assert handled == [b"{}"]


async def test_headers_trickled_in_are_cut_off_at_the_keepalive_timeout() -> None:
    # aiohttp's keep-alive timer runs from the connection's start until a request's head is
    # in: a client that never finishes its headers is closed when it fires (`advisor serve`
    # sets it to KEEPALIVE_SECONDS).
    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, keepalive_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.perf_counter()
        writer.write(b"GET / HTTP/1.1\r\n")
        closed = False
        for _ in range(10):  # a header line every half second, never the blank line
            await asyncio.sleep(0.5)
            if reader.at_eof():
                closed = True
                break
            writer.write(b"X-Slow: 1\r\n")
            try:
                await writer.drain()
            except ConnectionError:
                closed = True
                break
        if not closed:
            closed = await asyncio.wait_for(reader.read(), timeout=2) == b""
        assert closed
        assert time.perf_counter() - started < 4
        writer.close()
    finally:
        await runner.cleanup()
