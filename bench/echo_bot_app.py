"""The baselines of `bench.teams_throughput`: a botbuilder bot that only echoes.

An `ActivityHandler` whose `on_message_activity` sends back "echo: <text>" (one activity per
message, POSTed to the activity's serviceUrl during the turn), behind the same
`CloudAdapter(ConfigurationBotFrameworkAuthentication(...))` as bot/handlers/teams/adapter.py
with an empty app id and password (emulator mode: no token is checked or fetched), on aiohttp at
/api/messages, plus GET /healthz so the benchmark knows when it is up:

    python -m bench.echo_bot_app --host 127.0.0.1 --port 3978
    python -m bench.echo_bot_app --host 127.0.0.1 --port 3978 --reuse-clients

Without `--reuse-clients` the authentication is the SDK's own, as shipped: `CloudAdapter` builds
a new `ConnectorClient` and user token client for every turn ("echo bot" in the report). With
it, the authentication is wrapped in the advisor's
`bot.handlers.teams.clients.ReusingAuthentication`, exactly as bot/handlers/teams/adapter.py
does, so those clients are kept from turn to turn ("echo reuse"): the same SDK cost per turn as
the advisor pays, without any of the advisor's own work.

Only for local benchmarking: like `advisor serve --dev`, it accepts unauthenticated requests and
replies to any serviceUrl.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bot.handlers.teams.clients import ReusingAuthentication

MESSAGES_PATH = "/api/messages"


@dataclass(frozen=True)
class EmptyConfiguration:
    """The attribute names botbuilder's configuration readers expect; no credentials."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""


class EchoBot(ActivityHandler):  # type: ignore[misc]  # botbuilder is untyped
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"echo: {turn_context.activity.text or ''}")


def build_adapter(reuse_clients: bool) -> CloudAdapter:
    """The stock SDK authentication, or the same wrapped as the advisor wraps it."""
    authentication = ConfigurationBotFrameworkAuthentication(EmptyConfiguration())
    if reuse_clients:
        authentication = ReusingAuthentication(authentication)
    return CloudAdapter(authentication)


def build_web_app(adapter: CloudAdapter, bot: EchoBot) -> web.Application:
    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=200)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application(client_max_size=1024**2)
    web_app.add_routes([web.get("/healthz", healthz), web.post(MESSAGES_PATH, messages)])
    authentication = adapter.bot_framework_authentication
    if isinstance(authentication, ReusingAuthentication):
        # As the advisor does on shutdown: close the HTTP sessions of the clients kept.
        async def close_clients(_web_app: web.Application) -> None:
            await authentication.close()

        web_app.on_cleanup.append(close_clients)
    return web_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a botbuilder bot that only echoes")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--reuse-clients",
        action="store_true",
        help="keep the connector and user token clients between turns, as the advisor does",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "WARNING"),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    web_app = build_web_app(build_adapter(args.reuse_clients), EchoBot())
    web.run_app(web_app, host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
