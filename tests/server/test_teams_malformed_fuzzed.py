"""Teams activities the fuzz test (tests/server/test_fuzz.py) found answered with a 5xx, or stored
under keys no activity names, each shrunk to its smallest form."""

from __future__ import annotations

import json
from typing import Any

from bot.views.catalogue import SORRY as APOLOGY
from storage.conversations import KEY_LENGTH, ConversationKey
from testing.fakes.teams_activities import load_fixture
from tests.server.test_teams import TeamsServer, server  # noqa: F401 - the fixture


def message(server: TeamsServer, text: str = "hi") -> dict[str, Any]:  # noqa: F811
    activity = load_fixture("message_personal")
    activity["serviceUrl"] = server.connector.base_url
    activity["text"] = text
    return activity


async def test_a_message_without_a_conversation_id(server: TeamsServer) -> None:  # noqa: F811
    """Fixed in b5de863 (activity_shape): msrest's "Parameter 'conversation_id' can not be
    None" had been a 500."""
    activity = message(server)
    del activity["conversation"]["id"]
    delivery = await server.teams.post(activity)
    assert 400 <= delivery.status < 500, delivery
    assert server.connector.calls() == []


async def test_a_service_url_that_is_no_url(server: TeamsServer) -> None:  # noqa: F811
    activity = message(server)
    activity["serviceUrl"] = "http://[::1"  # urljoin: "Invalid IPv6 URL"
    delivery = await server.teams.post(activity)
    assert delivery.status < 500, delivery


async def test_a_connector_that_answers_the_reply_with_an_error(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = message(server)
    # The fake serves no such path: 404 (as Teams answers 403 for an app that was removed).
    activity["serviceUrl"] = server.connector.base_url + "/not/served/"
    delivery = await server.teams.post(activity)
    assert delivery.status < 500, delivery


async def test_a_file_consent_whose_reply_cannot_be_delivered(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = load_fixture("invoke_file_consent")
    activity["serviceUrl"] = "not a url"  # unreachable, and at once (no retries)
    activity["value"]["context"] = {"s": "0" * 32}  # no such survey: the bot says so
    delivery = await server.teams.post(activity)
    assert delivery.status == 200, delivery


async def test_a_sender_id_that_is_an_object_is_not_a_key(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = message(server, "start")
    activity["from"]["aadObjectId"] = {"a": 1}
    delivery = await server.teams.post(activity)
    key = ConversationKey("teams", "tenant-1", "{'a': 1}")
    stored = await server.app.storage.conversations.load_conversation(key)
    assert delivery.status >= 400 or stored is None, (delivery, stored)


async def test_a_sender_id_longer_than_the_database_keeps_is_not_a_key(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = message(server, "start")
    activity["from"]["aadObjectId"] = "a" * (KEY_LENGTH + 45)  # PostgreSQL would refuse it
    delivery = await server.teams.post(activity)
    key = ConversationKey("teams", "tenant-1", "a" * (KEY_LENGTH + 45))
    stored = await server.app.storage.conversations.load_conversation(key)
    assert delivery.status >= 400 or stored is None, (delivery, stored)


async def test_an_activity_id_the_database_cannot_key_by_is_refused(
    server: TeamsServer,  # noqa: F811
) -> None:
    for odd in ("a\x00b", "\ud800", "x" * 300):
        activity = message(server, "start")
        activity["id"] = odd
        # Escaped as JSON carries it (a lone surrogate cannot be sent as UTF-8).
        delivery = await server.teams.post_bytes(json.dumps(activity).encode())
        assert delivery.status == 400, (odd[:10], delivery)
    assert server.connector.calls() == []


async def test_a_long_conversation_and_activity_id_still_make_a_delivery_key(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = message(server, "start")
    activity["conversation"]["id"] = "a:" + "c" * 200  # personal chats' ids run long
    activity["id"] = "1" * 200
    first = await server.teams.post(activity)
    again = await server.teams.post(activity)  # a redelivery: processed once
    assert first.status in (200, 201)
    assert again.status in (200, 201)
    await server.connector.wait_for_sent(1)
    sent = len(server.connector.sent())
    assert sent >= 1
    activity["id"] = "2" * 200
    await server.teams.post(activity)
    await server.connector.wait_for_sent(sent + 1)
    # Turns that ran, not apologies for a key the database refused.
    assert all(reply.get("text") != APOLOGY for reply in server.connector.sent())


async def test_an_invoke_no_handler_takes_is_a_400(server: TeamsServer) -> None:  # noqa: F811
    activity = load_fixture("invoke_file_consent")
    activity["serviceUrl"] = server.connector.base_url
    activity["name"] = "composeExtension/unknown"
    delivery = await server.teams.post(activity)
    assert delivery.status == 400, delivery
