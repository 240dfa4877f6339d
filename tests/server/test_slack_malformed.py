"""Malformed Slack requests against the real server: refused before parsing when unsigned, 400
when signed but unparseable, never a 500 (and the server keeps answering)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.server.conftest import SIGNING_SECRET, RunningServer

DEEP = ('{"type":"event_callback","a":' + "[" * 5000 + "]" * 5000 + "}").encode()
BODIES = {
    "garbage": (b"{garbage", "application/json"),
    "not utf-8": (b"\xff\xfe{\x80\x81", "application/json"),
    "bad form payload": (b"payload=%7Bbad", "application/x-www-form-urlencoded"),
    "deep json": (DEEP, "application/json"),
    "empty": (b"", "application/json"),
}


def signature(body: bytes, timestamp: str) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


async def post(
    server: RunningServer, body: bytes, content_type: str, headers: dict[str, str]
) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            server.base + "/slack/events",
            data=body,
            headers={"Content-Type": content_type, **headers},
        ) as reply,
    ):
        return reply.status


@pytest.mark.parametrize("name", sorted(BODIES))
async def test_unsigned_malformed_bodies_are_refused_unread(
    server: RunningServer, name: str
) -> None:
    body, content_type = BODIES[name]
    now = str(int(time.time()))
    forged = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "0" * 64}
    assert await post(server, body, content_type, forged) == 401
    assert await post(server, body, content_type, {}) == 401


@pytest.mark.parametrize("name", sorted(BODIES))
async def test_signed_malformed_bodies_get_400(server: RunningServer, name: str) -> None:
    body, content_type = BODIES[name]
    now = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": signature(body, now)}
    status = await post(server, body, content_type, headers)
    assert 400 <= status < 500
    assert server.api.calls("chat.postMessage") == []


@pytest.mark.parametrize(
    "timestamp",
    [
        "soon",
        "",
        "1e9",
        "١٢٣٤",
        "9" * 40,
        # Named: an id made of the time differs between two collections (parallel workers).
        pytest.param(str(int(time.time()) - 3600), id="an-hour-old"),
    ],
)
async def test_bad_timestamps_are_refused(server: RunningServer, timestamp: str) -> None:
    body = b'{"type":"event_callback"}'
    headers = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(body, timestamp),
    }
    assert await post(server, body, "application/json", headers) == 401


async def test_the_server_still_answers_after_them(server: RunningServer) -> None:
    for body, content_type in BODIES.values():
        await post(server, body, content_type, {})
    async with aiohttp.ClientSession() as session, session.get(server.base + "/healthz") as reply:
        assert reply.status == 200
    answer = await server.slack.slash_command("start")
    assert answer.status == 200


def form(payload: object) -> tuple[str, str]:
    return "application/x-www-form-urlencoded", urlencode({"payload": json.dumps(payload)})


USER = {"id": "U1", "team_id": "T1"}
# Signed bodies of shapes Slack never sends: each reached a listener or bolt's own matching.
SHAPES = {
    "type is a list": ("application/json", json.dumps({"type": []})),
    "type is an object": ("application/json", json.dumps({"type": {}})),
    "type is a number": ("application/json", json.dumps({"type": 5})),
    "a JSON array": ("application/json", json.dumps([1, 2])),
    "a JSON number": ("application/json", "123"),
    "event is a string": ("application/json", json.dumps({"type": "event_callback", "event": "x"})),
    "event type is a list": (
        "application/json",
        json.dumps({"type": "event_callback", "event": {"type": ["m"]}}),
    ),
    "message fields of wrong types": (
        "application/json",
        json.dumps(
            {
                "type": "event_callback",
                "event": {"type": "message", "text": 5, "user": [], "channel": {}},
            }
        ),
    ),
    "url verification without a challenge": (
        "application/json",
        json.dumps({"type": "url_verification"}),
    ),
    "block actions without actions": form({"type": "block_actions"}),
    "actions is a string": form({"type": "block_actions", "actions": "x", "user": USER}),
    "action fields of wrong types": form(
        {"type": "block_actions", "actions": [{"action_id": 5, "value": []}], "user": "u"}
    ),
    "a survey answer whose value is an object": form(
        {
            "type": "block_actions",
            "actions": [{"action_id": "pulse_answer", "value": {"x": 1}}],
            "user": USER,
            "team": {"id": "T1"},
        }
    ),
    "view is a string": form({"type": "view_submission", "view": "x", "user": USER}),
    "a launch form of odd values": form(
        {
            "type": "view_submission",
            "view": {"callback_id": "pulse_launch", "state": {"values": {"a": {"b": {"type": 5}}}}},
            "user": USER,
            "team": {"id": "T1"},
        }
    ),
    "command text is a list": (
        "application/x-www-form-urlencoded",
        urlencode({"command": "/ai-owner", "text": ["x"]}, doseq=True),
    ),
    "payload is a list": ("application/x-www-form-urlencoded", "payload=%5B%5D"),
    "payload is null": ("application/x-www-form-urlencoded", "payload=null"),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
async def test_signed_payloads_of_odd_shapes_never_get_500(
    server: RunningServer, name: str
) -> None:
    content_type, text = SHAPES[name]
    body = text.encode()
    now = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": signature(body, now)}
    assert await post(server, body, content_type, headers) < 500
