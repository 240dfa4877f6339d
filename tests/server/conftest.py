"""The real server on 127.0.0.1 with a fake Slack Web API behind SLACK_API_URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import Settings, slack_config
from bot.server import build_web_app
from testing.fakes.fixtures import bot_server, fake_slack_api, slack_requests
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import SlackRequests

SIGNING_SECRET = "test-signing-secret-0123456789"


@dataclass
class RunningServer:
    base: str
    slack: SlackRequests
    api: FakeSlackApi
    app: App


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    async with fake_slack_api() as api:
        yield api


def token_settings(tmp_path: Path, api: FakeSlackApi, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'advisor.db'}",
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": api.base_url,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


async def running(settings: Settings, api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    app = await build_app(settings)
    web_app = build_web_app(app, slack_config(settings))
    async with bot_server(web_app) as base:
        yield RunningServer(base, slack_requests(SIGNING_SECRET, base, api), api, app)


@pytest.fixture
async def server(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    async for running_server in running(token_settings(tmp_path, slack_api), slack_api):
        yield running_server
