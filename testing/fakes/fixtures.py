"""Building blocks for the Slack test fixtures of each test package.

Plain async context managers and functions rather than pytest fixtures, so that each package
chooses its own fixture scope and wiring, e.g.:

    @pytest.fixture
    async def slack_api() -> AsyncIterator[FakeSlackApi]:
        async with fake_slack_api() as api:
            yield api
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from testing.fakes.local_server import local_server
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import SlackRequests

__all__ = ["bot_server", "fake_slack_api", "local_server", "slack_requests"]


@asynccontextmanager
async def fake_slack_api(*, socket_mode_url: str | None = None) -> AsyncIterator[FakeSlackApi]:
    """A running FakeSlackApi, stopped on exit."""
    async with FakeSlackApi(socket_mode_url=socket_mode_url) as api:
        yield api


@asynccontextmanager
async def bot_server(app: web.Application) -> AsyncIterator[str]:
    """The bot's aiohttp application served on 127.0.0.1; yields its root URL (the `base` of
    SlackRequests). The same as `local_server`, named for what tests use it for."""
    async with local_server(app) as root_url:
        yield root_url


def slack_requests(
    signing_secret: str, base: str, api: FakeSlackApi | None = None
) -> SlackRequests:
    """A SlackRequests whose response URLs land on `api` when given."""
    return SlackRequests(signing_secret, base, api=api)
