"""Teams tokens against the real server with credentials: the signing keys come from a local
metadata endpoint that is slow, down or serving other keys. A forged token never holds up the
server and never gets a 500: 401 when it is refused, 503 with Retry-After while the keys cannot
be fetched."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import jwt
import pytest

from bot.app import App, build_app
from bot.config import Settings, teams_config
from bot.server import build_web_app
from storage.conversations import ConversationKey
from testing.fakes.fixtures import bot_server
from testing.fakes.openid import FakeOpenIdServer
from testing.fakes.teams_activities import (
    CHANNEL_TOKEN_ISSUER,
    TENANT_ID,
    USER_AAD_OBJECT_ID,
    ChannelTokenSigner,
    TeamsActivities,
    load_fixture,
)
from testing.fakes.teams_connector import FakeConnector

APP_ID = "00000000-0000-0000-0000-000000000001"
TENANT = "00000000-0000-0000-0000-0000000000aa"
SIGNER = ChannelTokenSigner(APP_ID, key_id="published")


@dataclass
class Secured:
    base: str
    teams: TeamsActivities
    connector: FakeConnector
    openid: FakeOpenIdServer
    app: App


@pytest.fixture
async def openid() -> AsyncIterator[FakeOpenIdServer]:
    async with FakeOpenIdServer(SIGNER) as server:
        yield server


@pytest.fixture
async def secured(tmp_path: Path, openid: FakeOpenIdServer) -> AsyncIterator[Secured]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'advisor.db'}",
        microsoft_app_id=APP_ID,
        microsoft_app_password="secret",
        microsoft_app_type="SingleTenant",
        microsoft_app_tenant_id=TENANT,
        microsoft_openid_metadata_url=openid.metadata_url,
    )
    async with FakeConnector() as connector:
        app = await build_app(settings)
        web_app = build_web_app(app, None, teams_config(settings))
        async with bot_server(web_app) as base:
            teams = TeamsActivities(base, connector.base_url)
            yield Secured(base, teams, connector, openid, app)


async def post_raw(base: str, activity: dict[str, object], token: str) -> tuple[int, str | None]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}/api/messages",
            data=json.dumps(activity),
            headers={"Content-Type": "application/json", "Authorization": token},
        ) as response,
    ):
        return response.status, response.headers.get("Retry-After")


def message(secured: Secured) -> dict[str, object]:
    activity = load_fixture("message_personal")
    activity["serviceUrl"] = secured.connector.base_url
    activity["text"] = "start"
    return activity


def forged(service_url: str, key_id: str = "invented") -> str:
    """JWT-shaped, naming the Bot Framework as issuer: it reaches the key lookup."""
    return ChannelTokenSigner(APP_ID, key_id=key_id).token(service_url)


async def healthz_seconds(base: str) -> float:
    started = time.monotonic()
    async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as response:
        assert response.status == 200
    return time.monotonic() - started


@pytest.mark.parametrize("authorization", [None, "Bearer garbage", "Basic dXNlcjpwYXNz"])
async def test_requests_without_a_valid_token_are_refused(
    secured: Secured, authorization: str | None
) -> None:
    delivery = await secured.teams.personal_message("hi", authorization=authorization)
    assert delivery.status == 401
    assert secured.connector.calls() == []
    key = ConversationKey("teams", TENANT_ID, USER_AAD_OBJECT_ID)
    assert await secured.app.storage.conversations.load_conversation(key) is None


async def test_a_forged_token_while_the_keys_are_slow_does_not_hold_up_the_server(
    secured: Secured,
) -> None:
    secured.openid.delay = 60  # slower than any timeout
    started = time.monotonic()
    refused = asyncio.create_task(
        post_raw(secured.base, message(secured), forged(secured.connector.base_url))
    )
    waits = []
    while not refused.done() and time.monotonic() - started < 20:
        waits.append(await healthz_seconds(secured.base))
        await asyncio.sleep(0.1)
    status, retry_after = await refused
    assert max(waits) < 1.0, waits
    assert len(waits) > 10  # the server kept answering while the keys were awaited
    assert status == 503
    assert retry_after is not None
    assert int(retry_after) > 0
    assert time.monotonic() - started < 10
    assert secured.connector.calls() == []


async def test_forged_tokens_while_the_keys_are_down_get_503_without_a_fetch_each(
    secured: Secured,
) -> None:
    secured.openid.down = True
    tokens = [forged(secured.connector.base_url, f"kid-{n}") for n in range(30)]
    results = await asyncio.gather(*(post_raw(secured.base, message(secured), t) for t in tokens))
    assert {status for status, _ in results} == {503}
    assert all(retry_after for _, retry_after in results)
    assert secured.openid.metadata_requests <= 2  # the warm-up, and perhaps one request's
    assert secured.connector.calls() == []


async def test_tokens_that_fail_any_check_are_refused_with_401(secured: Secured) -> None:
    url = secured.connector.base_url
    unendorsed = ChannelTokenSigner(APP_ID, key_id="webchat-only", endorsements=("webchat",))
    secured.openid.rotate(SIGNER, unendorsed)
    hmac_signed = jwt.encode(
        {"iss": CHANNEL_TOKEN_ISSUER, "aud": APP_ID, "serviceurl": url},
        "a-secret-of-at-least-thirty-two-bytes!",
        algorithm="HS256",
        headers={"kid": "published"},
    )
    tokens = {
        "signed by another key under a published key id": forged(url, "published"),
        "an unknown key id": forged(url, "never-published"),
        "no key id": "Bearer "
        + jwt.encode({"iss": CHANNEL_TOKEN_ISSUER}, "k" * 32, algorithm="HS256"),
        "an algorithm outside the allowed list": "Bearer " + hmac_signed,
        "a key not endorsed for Teams": unendorsed.token(url),
        "expired": SIGNER.token(url, lifetime=-600),
        "another bot's": SIGNER.token(url, audience="another-app"),
        "another service url": SIGNER.token("https://smba.trafficmanager.net/emea/"),
    }
    statuses = {}
    for name, token in tokens.items():
        statuses[name], _ = await post_raw(secured.base, message(secured), token)
    assert statuses == dict.fromkeys(tokens, 401)
    for n in range(50):  # invented key ids: at most one more look at the published keys
        status, _ = await post_raw(secured.base, message(secured), forged(url, f"random-{n}"))
        assert status == 401
    assert secured.openid.metadata_requests <= 2
    assert secured.connector.calls() == []


async def test_a_genuine_token_is_accepted(secured: Secured) -> None:
    activity = message(secured)
    activity["type"] = "typing"  # handled without a reply: no outbound token is needed
    status, _ = await post_raw(secured.base, activity, SIGNER.token(secured.connector.base_url))
    assert status in (200, 201)
