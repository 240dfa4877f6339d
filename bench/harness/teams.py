"""Loading a Teams bot: the environment its server gets, people in one-to-one chats with it,
their activities in the recorded shapes of `testing.fakes.teams_activities`, and the POSTs that
carry them."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.harness.measure import Sample
from testing.fakes.teams_activities import (
    TEAMS_USER_AGENT,
    Delivery,
    TeamsActivities,
    aad_object_id_for,
)

MESSAGES_PATH = "/api/messages"
JSON_TYPE = "application/json; charset=utf-8"
OK_STATUSES = frozenset({200, 201, 202})  # what the Bot Framework answers an accepted activity
REQUEST_TIMEOUT_SECONDS = 60.0
# What the servers write on every start: not errors.
EXPECTED_LOG_LINES = ("AI Ownership Advisor on ", "TEAMS DEVELOPMENT MODE")
HEADERS = {"Content-Type": JSON_TYPE, "User-Agent": TEAMS_USER_AGENT}


def server_env(database_url: str) -> dict[str, str]:
    """The parent's environment without Slack, Microsoft, database or knowledge settings of its
    own (an app id would make the advisor check tokens; a Slack token would serve Slack too) and
    without proxies (every call stays on 127.0.0.1), plus the bench's."""
    dropped = ("SLACK_", "MICROSOFT_", "DATABASE_", "KNOWLEDGE_")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(dropped) and not name.lower().endswith("_proxy")
    }
    env.update(
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


@dataclass(frozen=True)
class User:
    """A person in a one-to-one chat with the bot: distinct Teams id, AAD id and conversation."""

    user_id: str
    aad_object_id: str
    name: str
    conversation_id: str

    @classmethod
    def number(cls, n: int) -> User:
        user_id = f"29:bench-user-{n:04d}"
        return cls(user_id, aad_object_id_for(user_id), f"Bench User {n}", f"a:bench-chat-{n:04d}")


class ActivityBuilder(TeamsActivities):
    """The tests' recorded-shape activities, built but not posted: the bench sends the bytes
    itself, through one pooled client session, to every target."""

    async def post_bytes(
        self,
        body: bytes,
        *,
        content_type: str = JSON_TYPE,
        authorization: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        return Delivery(0, "", 0.0)

    async def personal(
        self, user: User, text: str | None, value: Mapping[str, Any] | None, reply_to: str | None
    ) -> bytes:
        await self.personal_message(
            text,
            user_id=user.user_id,
            aad_object_id=user.aad_object_id,
            user_name=user.name,
            conversation_id=user.conversation_id,
            value=value,
            reply_to_id=reply_to,
        )
        return json.dumps(self.last, separators=(",", ":"), ensure_ascii=False).encode()


async def send(session: aiohttp.ClientSession, url: str, body: bytes) -> Sample:
    """POST one activity; the time until the whole answer, which the Bot Framework sends only
    when the turn is over (the bot's replies already POSTed to the connector)."""
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=HEADERS) as response:
            await response.read()
            return Sample(response.status, time.perf_counter() - started)
    except (aiohttp.ClientError, TimeoutError) as error:
        return Sample(0, time.perf_counter() - started, f"{type(error).__name__}: {error}")


async def send_all(
    session: aiohttp.ClientSession, urls: Sequence[str], bodies: Sequence[bytes], in_flight: int
) -> tuple[list[Sample], float]:
    """Send every body with at most `in_flight` outstanding, round-robin over `urls` (as a
    load balancer would over several processes); the samples and the wall time."""
    gate = asyncio.Semaphore(in_flight)

    async def one(index: int, body: bytes) -> Sample:
        async with gate:
            return await send(session, urls[index % len(urls)], body)

    started = time.perf_counter()
    samples = await asyncio.gather(*(one(index, body) for index, body in enumerate(bodies)))
    return list(samples), time.perf_counter() - started
