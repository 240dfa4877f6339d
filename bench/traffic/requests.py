"""The requests of the memory benchmark's traffic, and what builds them: Slack requests signed
as Slack signs them, Teams activities in their recorded shapes, and the randomness and
numbering a run's requests share."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.harness.teams import ActivityBuilder
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import SLACK_USER_AGENT
from testing.fakes.teams_activities import TEAMS_USER_AGENT, aad_object_id_for
from testing.fakes.teams_connector import FakeConnector

BOT_TOKEN = "xoxb-memory-bench"
SIGNING_SECRET = "memory-bench-signing-secret-0123456789"
SURVEY_SECRET = "memory-bench-survey-secret-0123456789abcdef"
ADMIN_TOKEN = "memory-bench-admin-token-0123456789"
EVENTS_PATH = "/slack/events"
MESSAGES_PATH = "/api/messages"
FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Request:
    kind: str  # what the request is, for the status table
    method: str
    path: str
    body: bytes
    headers: Mapping[str, str]


class Signer:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def headers(
        self, body: bytes, content_type: str, *, timestamp: str | None = None
    ) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        base = b"v0:" + timestamp.encode() + b":" + body
        signature = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        }


def teams_request(kind: str, activity: Mapping[str, Any] | bytes) -> Request:
    body = (
        activity
        if isinstance(activity, bytes)
        else json.dumps(activity, separators=(",", ":"), ensure_ascii=False).encode()
    )
    headers = {"Content-Type": JSON_TYPE, "User-Agent": TEAMS_USER_AGENT}
    return Request(kind, "POST", MESSAGES_PATH, body, headers)


def slack_dm_channel(user: str) -> str:
    """The DM the fake Web API opens for `user` (conversations.open: U123 -> D123)."""
    return "D" + user.removeprefix("U")


@dataclass(frozen=True)
class TeamsPerson:
    user_id: str
    conversation_id: str

    @property
    def aad_object_id(self) -> str:
        return aad_object_id_for(self.user_id)


class RequestBuilder:
    """What every kind of request is built with: the fakes it points at, one random generator
    for the run (so a seed gives the same traffic), Slack's signature and Teams' activities."""

    def __init__(self, api: FakeSlackApi, connector: FakeConnector, seed: int) -> None:
        self.api = api
        self.connector = connector
        self.random = random.Random(seed)
        self.signer = Signer(SIGNING_SECRET)
        self.teams = ActivityBuilder("http://unused", connector.base_url)
        self._count = 0

    def _next(self) -> int:
        self._count += 1
        return self._count

    def _slack_form(self, kind: str, fields: Mapping[str, str]) -> Request:
        body = urlencode(fields).encode()
        return Request(kind, "POST", EVENTS_PATH, body, self.signer.headers(body, FORM))

    def _slack_json(self, kind: str, payload: Mapping[str, Any]) -> Request:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return Request(kind, "POST", EVENTS_PATH, body, self.signer.headers(body, JSON_TYPE))

    async def _teams_personal(
        self,
        kind: str,
        person: TeamsPerson,
        text: str | None,
        *,
        value: Mapping[str, Any] | None = None,
        reply_to: str | None = None,
        service_url: str | None = None,
    ) -> Request:
        self.teams.service_url = service_url or self.connector.base_url
        await self.teams.personal_message(
            text,
            user_id=person.user_id,
            aad_object_id=person.aad_object_id,
            user_name=f"Bench {person.user_id}",
            conversation_id=person.conversation_id,
            value=value,
            reply_to_id=reply_to,
        )
        activity = self.teams.sent.pop()
        return teams_request(kind, activity)

    def _chatter(self) -> str:
        """Things people say that are no answer, each with a word never seen before (so text
        caches keyed on the text meet new keys all the time, as in production)."""
        lines = (
            "hi there {w}",
            "what is this bot for? {w}",
            "help",
            "can you explain the {w} thing",
            "thanks, {w}!",
            "who owns AI at {w}?",
            "I don't know yet, ask {w}",
        )
        return self.random.choice(lines).format(w=self._word())

    def _word(self) -> str:
        return "".join(
            self.random.choice("bcdfghklmnprstvz") + self.random.choice("aeiou") for _ in range(3)
        )


async def send_all(
    session: aiohttp.ClientSession, base: str, requests: Sequence[Request], in_flight: int
) -> Counter[tuple[str, str]]:
    """Every request, at most `in_flight` at once; (kind, status) counts ("error: X" for a
    request that got no answer)."""
    gate = asyncio.Semaphore(in_flight)
    counts: Counter[tuple[str, str]] = Counter()

    async def one(request: Request) -> None:
        async with gate:
            try:
                async with session.request(
                    request.method, base + request.path, data=request.body, headers=request.headers
                ) as response:
                    await response.read()
                    counts[(request.kind, str(response.status))] += 1
            except (aiohttp.ClientError, TimeoutError) as error:
                counts[(request.kind, f"error: {type(error).__name__}")] += 1

    await asyncio.gather(*(one(request) for request in requests))
    return counts
