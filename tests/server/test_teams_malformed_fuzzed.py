"""Teams activities the fuzz test (tests/server/test_fuzz.py) found answered with a 5xx, or stored
under keys no activity names, each shrunk to its smallest form.

Those not fixed yet (bot/handlers/teams) are strict xfails: when a fix lands they pass, pytest
reports the XPASS as a failure, and the marker (and the matching tolerance in test_fuzz.py:
`known_teams_500`, `odd_ids`, the 501 of invokes, KNOWN_500_SERVICE_URLS) goes.
"""

from __future__ import annotations

from typing import Any

import pytest

from storage.repository import KEY_LENGTH, ConversationKey
from tests.fakes.teams_activities import load_fixture
from tests.server.test_teams import TeamsServer, server  # noqa: F401 - the fixture

# The turn fails because its reply cannot be sent; `_on_turn_error`'s apology then fails the
# same way, and escapes `CloudAdapter.process` as a 500.
REPLY_FAILS = pytest.mark.xfail(
    strict=True, reason="a turn whose replies cannot be sent answers 500 (issue 13, defect 3)"
)


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


@REPLY_FAILS
async def test_a_service_url_that_is_no_url(server: TeamsServer) -> None:  # noqa: F811
    activity = message(server)
    activity["serviceUrl"] = "http://[::1"  # urljoin: "Invalid IPv6 URL"
    delivery = await server.teams.post(activity)
    assert delivery.status < 500, delivery


@REPLY_FAILS
async def test_a_connector_that_answers_the_reply_with_an_error(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = message(server)
    # The fake serves no such path: 404 (as Teams answers 403 for an app that was removed).
    activity["serviceUrl"] = server.connector.base_url + "/not/served/"
    delivery = await server.teams.post(activity)
    assert delivery.status < 500, delivery


@pytest.mark.xfail(
    strict=True,
    reason="an invoke whose reply cannot be delivered answers 501 (no invoke response is set)",
)
async def test_a_file_consent_whose_reply_cannot_be_delivered(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = load_fixture("invoke_file_consent")
    activity["serviceUrl"] = "not a url"  # unreachable, and at once (no retries)
    activity["value"]["context"] = {"s": "0" * 32}  # no such survey: the bot says so
    delivery = await server.teams.post(activity)
    assert delivery.status == 200, delivery


@pytest.mark.xfail(strict=True, reason="ids that are not strings are stored as their str()")
async def test_a_sender_id_that_is_an_object_is_not_a_key(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = message(server, "start")
    activity["from"]["aadObjectId"] = {"a": 1}
    delivery = await server.teams.post(activity)
    key = ConversationKey("teams", "tenant-1", "{'a': 1}")
    stored = await server.app.repository.load_conversation(key)
    assert delivery.status >= 400 or stored is None, (delivery, stored)


@pytest.mark.xfail(strict=True, reason="ids longer than the database's columns are stored")
async def test_a_sender_id_longer_than_the_database_keeps_is_not_a_key(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = message(server, "start")
    activity["from"]["aadObjectId"] = "a" * (KEY_LENGTH + 45)  # PostgreSQL would refuse it
    delivery = await server.teams.post(activity)
    key = ConversationKey("teams", "tenant-1", "a" * (KEY_LENGTH + 45))
    stored = await server.app.repository.load_conversation(key)
    assert delivery.status >= 400 or stored is None, (delivery, stored)
