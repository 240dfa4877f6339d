"""Socket Mode: the bot opens a WebSocket (apps.connections.open on the fake Web API), receives
envelopes over it, acknowledges each by envelope_id, and answers through the Web API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from bot.app import build_app
from bot.config import slack_config
from bot.server import build_web_app
from testing.fakes.fixtures import bot_server, fake_slack_api, local_server
from testing.fakes.slack_requests import slash_command_payload
from tests.server.conftest import token_settings


class SocketSlack:
    """Slack's end of a Socket Mode connection: says hello, sends envelopes, records acks."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.envelopes = envelopes
        self.acks: list[dict[str, Any]] = []
        self.acked = asyncio.Event()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        for envelope in self.envelopes:
            await socket.send_json(envelope)
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
                if len(self.acks) >= len(self.envelopes):
                    self.acked.set()
        return socket


async def test_socket_mode_handles_a_slash_command(tmp_path: Path) -> None:
    command = slash_command_payload("start", response_url="http://127.0.0.1:9/unused")
    slack = SocketSlack(
        [
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": command,
            }
        ]
    )
    socket_app = web.Application()
    socket_app.router.add_get("/link", slack.handle)
    async with local_server(socket_app) as socket_base:
        url = socket_base.replace("http://", "ws://") + "/link"
        async with fake_slack_api(socket_mode_url=url) as api:
            settings = token_settings(
                tmp_path, api, slack_signing_secret=None, slack_app_token="xapp-1-test"
            )
            app = await build_app(settings)
            config = slack_config(settings, socket_mode=True)
            async with bot_server(build_web_app(app, config, socket_mode=True)):
                await asyncio.wait_for(slack.acked.wait(), timeout=10)
                posted = await api.wait_for("chat.postMessage", count=2, timeout=10)
            opened = api.calls("apps.connections.open")
    assert opened
    assert opened[0].token == "xapp-1-test"
    assert slack.acks[0]["envelope_id"] == "env-1"
    assert posted[-1].params["channel"] == "D0USER"
