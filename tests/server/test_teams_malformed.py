"""Malformed Teams activities against the real server: 400 for a body that is not a valid
activity, never a 500, and the server keeps answering."""

from __future__ import annotations

import json
import uuid

import pytest

from testing.fakes.teams_activities import load_fixture
from tests.server.test_teams import TeamsServer, server  # noqa: F401 - the fixture

BODIES = {
    "garbage": b"{garbage",
    "not utf-8": b"\xff\xfe{\x80",
    "a JSON array": b"[1, 2]",
    "a JSON number": b"5",
    "empty": b"",
    "deep JSON": ('{"type":"message","a":' + "[" * 5000 + "]" * 5000 + "}").encode(),
    "type is a number": json.dumps({"type": 5}).encode(),
    "from is a string": json.dumps({"type": "message", "from": "x", "text": "hi"}).encode(),
    "conversation is a list": json.dumps(
        {"type": "message", "conversation": [], "text": "hi"}
    ).encode(),
    "timestamp is not a date": json.dumps(
        {"type": "message", "timestamp": "yesterday-ish", "text": "hi"}
    ).encode(),
    "entities is an object": json.dumps({"type": "message", "entities": {"a": 1}}).encode(),
}


@pytest.mark.parametrize("name", sorted(BODIES))
async def test_malformed_activities_get_400(server: TeamsServer, name: str) -> None:  # noqa: F811
    delivery = await server.teams.post_bytes(BODIES[name])
    assert 400 <= delivery.status < 500, (delivery.status, delivery.body)


async def test_a_valid_activity_with_fields_of_wrong_types_is_refused(
    server: TeamsServer,  # noqa: F811
) -> None:
    activity = load_fixture("message_personal")
    activity["serviceUrl"] = server.connector.base_url
    activity["from"] = {"id": ["not", "a", "string"]}
    delivery = await server.teams.post(activity)
    assert delivery.status < 500


async def test_an_unreachable_service_url_does_not_fail_the_answer(
    server: TeamsServer,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    activity = load_fixture("message_personal")
    # Nothing listens there; a path of its own, as each URL is logged once per process.
    url = f"http://127.0.0.1:9/{uuid.uuid4().hex}/"
    activity["serviceUrl"] = url
    activity["text"] = "start"
    delivery = await server.teams.post(activity)
    assert delivery.status < 500
    unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 1
    assert url in unreachable[0].getMessage()
