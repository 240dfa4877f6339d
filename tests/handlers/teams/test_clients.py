"""Reusing the SDK's outbound clients between turns: the real botbuilder authentication in
emulator mode (no app id, so no token is checked or fetched), wrapped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

from bot.handlers.teams.clients import ReusingAuthentication

SERVICE = "https://smba.example/teams/"
OTHER_SERVICE = "https://smba.example/emea/"


@dataclass(frozen=True)
class _NoCredentials:
    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""


def activity(service_url: str = SERVICE) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        channel_id="msteams",
        service_url=service_url,
        from_property=ChannelAccount(id="29:user"),
        recipient=ChannelAccount(id="28:bot"),
        conversation=ConversationAccount(id="a:chat"),
        text="hi",
    )


@pytest.fixture
async def authentication() -> AsyncIterator[ReusingAuthentication]:
    auth = ReusingAuthentication(ConfigurationBotFrameworkAuthentication(_NoCredentials()))
    yield auth
    await auth.close()


async def connector_for(auth: ReusingAuthentication, service_url: str) -> ConnectorClient:
    result = await auth.authenticate_request(activity(service_url), "")
    return await result.connector_factory.create(service_url, result.audience)


async def test_turns_share_the_connector_client_of_a_service_url(
    authentication: ReusingAuthentication,
) -> None:
    first = await connector_for(authentication, SERVICE)
    second = await connector_for(authentication, SERVICE)
    assert isinstance(first, ConnectorClient)
    assert second is first
    assert first.config.base_url == SERVICE


async def test_each_service_url_and_audience_has_its_own_client(
    authentication: ReusingAuthentication,
) -> None:
    here = await connector_for(authentication, SERVICE)
    there = await connector_for(authentication, OTHER_SERVICE)
    assert there is not here
    assert there.config.base_url == OTHER_SERVICE
    result = await authentication.authenticate_request(activity(), "")
    elsewhere = await result.connector_factory.create(SERVICE, "https://api.example/other")
    assert elsewhere is not here


async def test_clients_are_kept_per_bot_app_id(authentication: ReusingAuthentication) -> None:
    def claims(app_id: str) -> ClaimsIdentity:
        return ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: app_id}, True)

    one = authentication.create_connector_factory(claims("app-one"))
    two = authentication.create_connector_factory(claims("app-two"))
    first = await one.create(SERVICE, None)
    assert await one.create(SERVICE, None) is first
    assert await two.create(SERVICE, None) is not first


async def test_the_user_token_client_is_built_once_per_bot(
    authentication: ReusingAuthentication,
) -> None:
    result = await authentication.authenticate_request(activity(), "")
    first = await authentication.create_user_token_client(result.claims_identity)
    again = await authentication.create_user_token_client(result.claims_identity)
    assert again is first


async def test_the_least_recently_used_client_makes_room() -> None:
    auth = ReusingAuthentication(
        ConfigurationBotFrameworkAuthentication(_NoCredentials()), capacity=2
    )
    try:
        first = await connector_for(auth, SERVICE)
        other = await connector_for(auth, OTHER_SERVICE)
        assert await connector_for(auth, SERVICE) is first  # used again: now the most recent
        await connector_for(auth, "https://smba.example/apac/")  # evicts OTHER_SERVICE
        assert await connector_for(auth, SERVICE) is first
        rebuilt = await connector_for(auth, OTHER_SERVICE)
        assert rebuilt is not other
        assert rebuilt.config.base_url == OTHER_SERVICE
    finally:
        await auth.close()


async def test_closing_forgets_every_client(authentication: ReusingAuthentication) -> None:
    first = await connector_for(authentication, SERVICE)
    await authentication.close()
    assert await connector_for(authentication, SERVICE) is not first


async def test_everything_else_is_the_sdk_s_own(authentication: ReusingAuthentication) -> None:
    inner = ConfigurationBotFrameworkAuthentication(_NoCredentials())
    assert authentication.get_originating_audience() == inner.get_originating_audience()
    ours = await authentication.authenticate_request(activity(), "")
    theirs = await inner.authenticate_request(activity(), "")
    assert ours.claims_identity.claims == theirs.claims_identity.claims
    assert (ours.audience, ours.caller_id) == (theirs.audience, theirs.caller_id)
