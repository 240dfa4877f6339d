"""The baseline of `bench.slack_acks`: a bare slack-bolt app that only acknowledges.

One `app.action` listener for every action id that does nothing but `await ack()`, served by
aiohttp at /slack/events through the same bolt adapter functions as bot/server.py, plus
GET /healthz so the benchmark knows when it is up. Same settings as `advisor serve`:

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... SLACK_API_URL=http://127.0.0.1:PORT/api/ \
        python -m bench.bare_bolt_app --host 127.0.0.1 --port 3001
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

EVENTS_PATH = "/slack/events"


def build_bolt_app(signing_secret: str, token: str, api_url: str) -> AsyncApp:
    client = AsyncWebClient(token=token, base_url=api_url)
    app = AsyncApp(signing_secret=signing_secret, client=client)

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    app.action(re.compile(".*"))(only_ack)
    return app


def build_web_app(bolt: AsyncApp) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application(client_max_size=1024**2)
    web_app.add_routes([web.get("/healthz", healthz), web.post(EVENTS_PATH, events)])
    return web_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a slack-bolt app that only acks actions")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    bolt = build_bolt_app(
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_API_URL"],
    )
    web.run_app(build_web_app(bolt), host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
