"""Multi-workspace install: /slack/install → Slack's authorize page → /slack/oauth_redirect →
oauth.v2.access on the fake → the installation is stored and used for that workspace."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import app_uninstalled
from tests.server.conftest import RunningServer, running, token_settings

CLIENT_ID = "111.222"
STATE_COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def oauth_server(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    settings = token_settings(
        tmp_path,
        slack_api,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret",
        slack_state_secret="state-secret-0123456789",
    )
    async for server in running(settings, slack_api):
        yield server


async def begin_install(session: aiohttp.ClientSession, base: str) -> tuple[str, str, str]:
    async with session.get(base + "/slack/install", allow_redirects=False) as reply:
        assert reply.status == 200
        page = await reply.text()
        cookie = reply.cookies[STATE_COOKIE].value
    link = re.search(r'href="([^"]*/oauth/v2/authorize[^"]*)"', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    state = re.search(r"[?&]state=([^&]+)", url)
    assert state is not None
    return url, unquote(state.group(1)), cookie


async def finish_install(session: aiohttp.ClientSession, base: str, state: str, cookie: str) -> int:
    async with session.get(
        base + "/slack/oauth_redirect",
        params={"code": "code-123", "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={cookie}"},
        allow_redirects=False,
    ) as reply:
        return reply.status


async def test_install_stores_the_workspace_and_uses_its_token(
    oauth_server: RunningServer,
) -> None:
    async with aiohttp.ClientSession() as session:
        url, state, cookie = await begin_install(session, oauth_server.base)
        assert url.startswith(oauth_server.api.root_url + "/oauth/v2/authorize")
        assert f"client_id={CLIENT_ID}" in url
        assert "im%3Ahistory" in url or "im:history" in url
        assert await finish_install(session, oauth_server.base, state, cookie) == 200
        # The state is single-use: replaying the redirect fails.
        assert await finish_install(session, oauth_server.base, state, cookie) != 200
    exchange = oauth_server.api.calls("oauth.v2.access")
    assert len(exchange) == 1
    assert exchange[0].params["code"] == "code-123"

    store = AsyncSQLAlchemyInstallationStore(
        client_id=CLIENT_ID, engine=oauth_server.app.storage.database.engine
    )
    bot = await store.async_find_bot(enterprise_id=None, team_id="T0002")
    assert bot is not None
    assert bot.bot_token == "xoxb-installed-1"

    reply = await oauth_server.slack.slash_command("start", team_id="T0002")
    assert reply.status == 200
    posted = await oauth_server.api.wait_for("chat.postMessage")
    assert posted[0].token == "xoxb-installed-1"


async def test_a_forged_state_is_refused(oauth_server: RunningServer) -> None:
    async with aiohttp.ClientSession() as session:
        _, state, _ = await begin_install(session, oauth_server.base)
        forged = state.rsplit(".", 1)[0] + ".forged"
        status = await finish_install(session, oauth_server.base, forged, forged)
    assert status != 200
    assert oauth_server.api.calls("oauth.v2.access") == []


async def test_a_workspace_that_never_installed_gets_nothing(
    oauth_server: RunningServer,
) -> None:
    reply = await oauth_server.slack.slash_command("start", team_id="T0NOPE")
    assert reply.status in (200, 401)
    assert oauth_server.api.calls("chat.postMessage") == []


async def test_uninstall_removes_the_installation(oauth_server: RunningServer) -> None:
    async with aiohttp.ClientSession() as session:
        _, state, cookie = await begin_install(session, oauth_server.base)
        assert await finish_install(session, oauth_server.base, state, cookie) == 200
    store = AsyncSQLAlchemyInstallationStore(
        client_id=CLIENT_ID, engine=oauth_server.app.storage.database.engine
    )
    assert await store.async_find_bot(enterprise_id=None, team_id="T0002") is not None
    reply = await oauth_server.slack.event(app_uninstalled(), team_id="T0002")
    assert reply.status == 200
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while await store.async_find_bot(enterprise_id=None, team_id="T0002") is not None:
        assert loop.time() < deadline, "the installation was not deleted"
        await asyncio.sleep(0.05)
