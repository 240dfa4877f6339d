"""What counts as a Bot Framework activity before the SDK reads it."""

from __future__ import annotations

import json

import pytest

from bot.handlers.teams.activity_shape import activity_problem, service_url_of
from testing.fakes.teams_activities import load_fixture


@pytest.mark.parametrize(
    "name",
    [
        "message_personal",
        "message_personal_card_submit",
        "conversation_update_members_added_personal",
        "conversation_update_members_added_team",
    ],
)
def test_the_activities_teams_sends_pass(name: str) -> None:
    body = json.dumps(load_fixture(name)).encode()
    assert activity_problem(body) is None
    assert service_url_of(body) == load_fixture(name)["serviceUrl"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{nope", "the body is not JSON"),
        (b"[]", "the body is not an object"),
        (b'{"type": 1}', "'type' is missing or not a string"),
        (b'{"type": "message", "from": "x"}', "'from' is not an object with a string id"),
        (b'{"type": "message", "entities": [1]}', "'entities' is not a list of objects"),
        (b'{"type": "message", "timestamp": "soon"}', "the body is not an activity"),
        (
            b'{"type": "message", "conversation": {}}',
            "'conversation' is not an object with a string id",
        ),
        (b'{"type": "message", "from": {"id": ""}}', "'from' is not an object with a string id"),
        (b'{"type": "message", "text": "hi"}', "a message without its 'conversation'"),
    ],
)
def test_what_is_not_an_activity_is_named(body: bytes, problem: str) -> None:
    assert activity_problem(body) == problem
