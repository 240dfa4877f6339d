"""Memory under sustained traffic: does the server's resident memory level off (caches that
fill and stop growing) or keep growing with every round (a leak, or a cache without a bound)?

    python bench/memory.py             # `advisor serve --dev`, 10 rounds x 2,000 requests
    python bench/memory.py --quick     # 4 rounds x 500, a smoke run
    python bench/memory.py --trace     # the same app built in a child of this script, under
                                       # tracemalloc: what grew after round 2, by line, and
                                       # which caches grew (entries and bound)

Everything listens on 127.0.0.1: the fake Slack Web API and the fake Teams connector run in
this process, the server in another. Every round brings new people (Slack and Teams), valid
and malformed Slack and Teams requests, and refused admin calls. See bench/README.md
("Memory under sustained traffic") for the workload and how to read the report.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import hashlib
import hmac
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

THIS_FILE = Path(__file__).resolve()
REPO_ROOT = THIS_FILE.parent.parent
for _path in (REPO_ROOT, THIS_FILE.parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from slack_acks import Memory, free_port, read_memory  # noqa: E402  # the process helpers

from bot.admin_http import RELOAD_PATH, STATUS_PATH  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.handlers.slack import ids  # noqa: E402
from bot.handlers.teams.submit import parse_submit  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.knowledge.model import Knowledge  # noqa: E402
from bot.knowledge.paths import default_knowledge_dir  # noqa: E402
from testing.fakes.slack_api import ApiCall, FakeSlackApi  # noqa: E402
from testing.fakes.slack_requests import (  # noqa: E402
    SLACK_USER_AGENT,
    block_actions_payload,
    dm_message,
    event_envelope,
    slash_command_payload,
)
from testing.fakes.teams_activities import (  # noqa: E402
    TEAMS_USER_AGENT,
    Delivery,
    TeamsActivities,
    aad_object_id_for,
)
from testing.fakes.teams_connector import SENDING, ConnectorCall, FakeConnector  # noqa: E402

HOST = "127.0.0.1"
BOT_TOKEN = "xoxb-memory-bench"
SIGNING_SECRET = "memory-bench-signing-secret-0123456789"
SURVEY_SECRET = "memory-bench-survey-secret-0123456789abcdef"
ADMIN_TOKEN = "memory-bench-admin-token-0123456789"
EVENTS_PATH = "/slack/events"
MESSAGES_PATH = "/api/messages"
FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"

START_TIMEOUT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 60.0
QUIET_SECONDS = 0.7  # the background work has drained when the fakes hear nothing this long
DRAIN_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 15.0
TRACE_FRAMES = 8  # more makes tracing much slower (8 frames: about 5x, 25: 17x)
TOP_LINES = 15
TOP_TRACEBACKS = 6
CENSUS_LINES = 20
LOG_LINES_SHOWN = 12
# "2026-12-07 10:51:42,371 WARNING bot.x message": level, logger, message
_LOG_LINE = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+) (.*)$")
_VARYING = re.compile(r"[=:(\[]|\d")  # where a message's varying part starts
UNREACHABLE = "teams malformed: unreachable serviceUrl"
URL_FILE = "server.url"  # where the traced server writes its URL
EARLY, LATE = "early.tracemalloc", "late.tracemalloc"  # its snapshots, in its directory
# Verdict thresholds on growth(second half of the rounds) / growth(first half).
LEVELS_OFF_BELOW = 0.25
KEEPS_GROWING_ABOVE = 0.75

# Every setting the advisor reads, which the server must not inherit from this shell.
_SETTINGS = frozenset(name.upper() for name in Settings.model_fields)
_PREFIXES = ("SLACK_", "MICROSOFT_", "PULSE_", "DATABASE_", "KNOWLEDGE_")


@dataclass(frozen=True)
class Config:
    rounds: int
    requests: int  # per round, all kinds together
    in_flight: int
    trace: bool
    frames: int = TRACE_FRAMES
    trace_after: int = 2  # the round after which tracing starts (the first snapshot)
    seed: int = 13

    @property
    def half(self) -> int:
        return max(1, self.rounds // 2)


@dataclass(frozen=True)
class Mix:
    """How one round's requests divide between kinds (see `mix_for`)."""

    slack_people: int  # each: /ai-owner start, a button press, a typed answer in the DM
    slack_chatter: int  # DMs from people who never started
    slack_redelivered: int  # typed answers delivered again (X-Slack-Retry-Num, same event_id)
    slack_malformed: int
    teams_people: int  # each: "start", a card button (Action.Submit), a typed answer
    teams_chatter: int
    teams_redelivered: int  # submits sent again with the same activity id
    teams_malformed: int
    teams_unreachable: int  # a serviceUrl where nothing listens (the SDK retries for ~5 s)
    admin_refused: int  # wrong, missing and odd tokens on /admin/knowledge[/reload]
    odd_methods: int  # unknown HTTP methods on unknown paths

    @property
    def total(self) -> int:
        return (
            3 * self.slack_people
            + self.slack_chatter
            + self.slack_redelivered
            + self.slack_malformed
            + 3 * self.teams_people
            + self.teams_chatter
            + self.teams_redelivered
            + self.teams_malformed
            + self.teams_unreachable
            + self.admin_refused
            + self.odd_methods
        )


def mix_for(requests: int) -> Mix:
    """About 45% valid Slack, 20% malformed Slack, 20% valid Teams, 12% malformed Teams, the
    rest refused admin calls and odd methods."""

    def part(share: float) -> int:
        return max(1, round(requests * share))

    mix = Mix(
        slack_people=part(0.1),
        slack_chatter=part(0.1),
        slack_redelivered=part(0.025),
        slack_malformed=part(0.2),
        teams_people=part(0.05),
        teams_chatter=part(0.025),
        teams_redelivered=part(0.02),
        teams_malformed=part(0.12),
        teams_unreachable=1,
        admin_refused=0,
        odd_methods=part(0.005),
    )
    return Mix(**{**mix.__dict__, "admin_refused": max(1, requests - mix.total)})


# --- requests -----------------------------------------------------------------------------------


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


class ActivityBuilder(TeamsActivities):
    """The tests' recorded-shape activities, built but not posted (this bench sends them)."""

    async def post_bytes(
        self,
        body: bytes,
        *,
        content_type: str = JSON_TYPE,
        authorization: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        return Delivery(0, "", 0.0)


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


@dataclass(frozen=True)
class Posted:
    """The last question the bot posted a person, as a fake received it."""

    question_id: str
    press: dict[str, Any]  # Slack: the button element; Teams: the Action.Submit data
    message: str  # Slack: the message ts; Teams: the connector's activity id (replyToId)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""


class Workload:
    """Builds each round's requests. People are new every round (distinct Slack and Teams ids,
    DMs and chats), as a server in production keeps meeting new people."""

    def __init__(
        self, api: FakeSlackApi, connector: FakeConnector, mix: Mix, seed: int, closed_url: str
    ) -> None:
        self.api = api
        self.connector = connector
        self.mix = mix
        self.random = random.Random(seed)
        self.signer = Signer(SIGNING_SECRET)
        self.teams = ActivityBuilder("http://unused", connector.base_url)
        self.knowledge: Knowledge = load_knowledge(default_knowledge_dir())
        self.closed_url = closed_url
        self._count = 0
        self._submits: list[Request] = []  # this round's Teams submits, for redelivery

    # People ----------------------------------------------------------------------------------

    def slack_people(self, number: int) -> list[str]:
        return [f"UM{number:02d}{index:04d}" for index in range(self.mix.slack_people)]

    def teams_people(self, number: int) -> list[TeamsPerson]:
        return [
            TeamsPerson(f"29:mem-{number}-{index}", f"a:mem-{number}-{index}")
            for index in range(self.mix.teams_people)
        ]

    def _next(self) -> int:
        self._count += 1
        return self._count

    # Phases ----------------------------------------------------------------------------------

    async def opening(self, number: int) -> list[Request]:
        """Phase 1: new people start, others chatter, and everything malformed or refused."""
        requests: list[Request] = []
        for user in self.slack_people(number):
            fields = slash_command_payload(
                "start", user_id=user, response_url=self.api.response_url(f"start-{user}")
            )
            requests.append(self._slack_form("slack /ai-owner start", fields))
        for index in range(self.mix.slack_chatter):
            user = f"UC{number:02d}{index:04d}"
            text = self._chatter()
            event = dm_message(text, user_id=user, channel=slack_dm_channel(user))
            requests.append(self._slack_json("slack DM chatter", event_envelope(event)))
        requests += [
            self._slack_malformed(number, index) for index in range(self.mix.slack_malformed)
        ]
        for person in self.teams_people(number):
            requests.append(await self._teams_personal("teams start", person, "start"))
        for index in range(self.mix.teams_chatter):
            person = TeamsPerson(f"29:chat-{number}-{index}", f"a:chat-{number}-{index}")
            requests.append(await self._teams_personal("teams chatter", person, self._chatter()))
        for index in range(self.mix.teams_malformed):
            requests.append(await self._teams_malformed(number, index))
        # One serviceUrl per round where nothing listens (each is logged once, and the SDK
        # retries for about 5 s, holding one of the turns meanwhile).
        for index in range(self.mix.teams_unreachable):
            person = TeamsPerson(f"29:gone-{number}-{index}", f"a:gone-{number}-{index}")
            url = f"{self.closed_url}/r{number}i{index}/"
            request = await self._teams_personal(UNREACHABLE, person, "start", service_url=url)
            requests.append(request)
        requests += [self._admin_refused(index) for index in range(self.mix.admin_refused)]
        requests += [self._odd_method(number, index) for index in range(self.mix.odd_methods)]
        self.random.shuffle(requests)
        return requests

    async def pressing(self, number: int) -> tuple[list[Request], int]:
        """Phase 2: each new person presses an answer of the first question the bot posted them;
        the count of people the bot had posted no question (should be 0)."""
        requests: list[Request] = []
        missing = 0
        slack = slack_questions(self.api.calls("chat.postMessage"), self.api)
        for index, user in enumerate(self.slack_people(number)):
            posted = slack.get(slack_dm_channel(user))
            if posted is None:
                missing += 1
                continue
            payload = block_actions_payload(
                str(posted.press["action_id"]),
                str(posted.press["value"]),
                user_id=user,
                channel_id=slack_dm_channel(user),
                message_ts=posted.message,
                message_blocks=posted.blocks,
                message_text=posted.text,
                response_url=self.api.response_url(f"press-{user}-{index}"),
            )
            fields = {"payload": json.dumps(payload)}
            requests.append(self._slack_form("slack button press", fields))
        cards = teams_questions(self.connector.calls())
        self._submits = []
        for person in self.teams_people(number):
            card = cards.get(person.conversation_id)
            if card is None:
                missing += 1
                continue
            request = await self._teams_personal(
                "teams card submit", person, None, value=card.press, reply_to=card.message
            )
            requests.append(request)
            self._submits.append(request)
        self.random.shuffle(requests)
        return requests, missing

    async def typing(self, number: int) -> tuple[list[Request], int]:
        """Phase 3: each new person types an answer to the question the bot posted next, and a
        few of those deliveries (and of the Teams submits) arrive twice."""
        requests: list[Request] = []
        missing = 0
        slack = slack_questions(self.api.calls("chat.postMessage"), self.api)
        typed: list[Request] = []
        for user in self.slack_people(number):
            posted = slack.get(slack_dm_channel(user))
            if posted is None:
                missing += 1
                continue
            event = dm_message(
                self._answer_text(posted.question_id), user_id=user, channel=slack_dm_channel(user)
            )
            typed.append(self._slack_json("slack DM typed answer", event_envelope(event)))
        cards = teams_questions(self.connector.calls())
        for person in self.teams_people(number):
            card = cards.get(person.conversation_id)
            if card is None:
                missing += 1
                continue
            text = self._answer_text(card.question_id)
            requests.append(await self._teams_personal("teams typed answer", person, text))
        requests += typed
        for request in typed[: self.mix.slack_redelivered]:
            headers = {**request.headers, "X-Slack-Retry-Num": "1"}
            headers["X-Slack-Retry-Reason"] = "http_timeout"
            requests.append(Request("slack redelivery", "POST", EVENTS_PATH, request.body, headers))
        for request in self._submits[: self.mix.teams_redelivered]:
            requests.append(
                Request("teams redelivery", "POST", MESSAGES_PATH, request.body, request.headers)
            )
        self.random.shuffle(requests)
        return requests, missing

    # Valid requests ----------------------------------------------------------------------------

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

    def _answer_text(self, question_id: str) -> str:
        """A typed answer meaning one of the question's options, in varied words."""
        question = next(q for q in self.knowledge.questions if q.id == question_id)
        option = self.random.choice(question.options)
        phrase = self.random.choice((option.label, *option.synonyms))
        lead = self.random.choice(
            ("", "I think ", "probably ", "mostly ", "honestly, ", "we'd say ")
        )
        tail = self.random.choice(("", " I guess", ", at least for now", f" ({self._word()})"))
        return f"{lead}{phrase.lower()}{tail}"

    # Malformed and refused requests ------------------------------------------------------------

    def _slack_malformed(self, number: int, index: int) -> Request:
        n = self._next()
        kinds = (
            "unsigned garbage",
            "forged signature",
            "stale timestamp",
            "odd timestamp",
            "signed garbage",
            "signed invalid utf-8",
            "signed deep json",
            "signed deep payload",
            "signed bad payload",
            "signed wrong shape",
            "signed unknown event",
            "signed unknown command",
        )
        kind = kinds[index % len(kinds)]
        label = f"slack malformed: {kind}"
        if index % 97 == 96:  # now and then, a body over the server's 1 MiB limit
            body = b"x" * (1024 * 1024 + 100)
            return Request(
                "slack malformed: oversized",
                "POST",
                EVENTS_PATH,
                body,
                self.signer.headers(body, FORM),
            )
        user = f"UX{number:02d}{index:05d}"
        start = urlencode(slash_command_payload("start", user_id=user)).encode()
        if kind == "unsigned garbage":
            return Request(
                label, "POST", EVENTS_PATH, self.random.randbytes(200), {"Content-Type": FORM}
            )
        if kind == "forged signature":
            headers = {**self.signer.headers(start, FORM), "X-Slack-Signature": "v0=" + "0" * 64}
            return Request(label, "POST", EVENTS_PATH, start, headers)
        if kind == "stale timestamp":
            stale = str(int(time.time()) - 3600)
            return Request(
                label, "POST", EVENTS_PATH, start, self.signer.headers(start, FORM, timestamp=stale)
            )
        if kind == "odd timestamp":
            odd = ("1e9", "-5", "\u0663\u0663", "9" * 40, "")[n % 5]
            headers = {**self.signer.headers(start, FORM), "X-Slack-Request-Timestamp": odd}
            return Request(label, "POST", EVENTS_PATH, start, headers)
        if kind == "signed garbage":
            body = self.random.randbytes(300)
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, FORM))
        if kind == "signed invalid utf-8":
            body = b'{"type":"event_callback","event":{"type":"message","text":"\xff\xfe\xc3"}}'
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, JSON_TYPE))
        if kind == "signed deep json":
            depth = (900, 5000, 20_000)[n % 3]
            body = b'{"type":"event_callback","event":' + b"[" * depth + b"]" * depth + b"}"
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, JSON_TYPE))
        if kind == "signed deep payload":
            deep = '{"type":"block_actions","actions":' + "[" * 5000 + "]" * 5000 + "}"
            body = ("payload=" + quote(deep)).encode()
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, FORM))
        if kind == "signed bad payload":
            body = b"payload=%7Bbad" + str(n).encode()
            return Request(label, "POST", EVENTS_PATH, body, self.signer.headers(body, FORM))
        if kind == "signed wrong shape":
            shapes: tuple[Any, ...] = (
                [],
                {"type": 5},
                {"type": "block_actions", "actions": "x", "user": {"id": user}},
                {"type": "view_submission", "view": [], "user": {}},
                {"type": "event_callback", "event": {"type": ["message"]}},
                {"command": {"x": 1}},
            )
            return self._slack_json(label, shapes[n % len(shapes)])  # type: ignore[arg-type]
        if kind == "signed unknown event":
            event = {
                "type": "reaction_added",
                "user": user,
                "reaction": self._word(),
                "event_ts": str(n),
            }
            return self._slack_json(label, event_envelope(event))
        fields = slash_command_payload(self._word(), user_id=user, command=f"/{self._word()}")
        return self._slack_form(label, fields)

    async def _teams_malformed(self, number: int, index: int) -> Request:
        n = self._next()
        kinds = (
            "not json",
            "invalid utf-8",
            "json array",
            "deep json",
            "wrong types",
            "no type",
            "unknown type",
            "no conversation",
            "unreadable submit",
            "huge text",
            "unknown serviceUrl",
        )
        kind = kinds[index % len(kinds)]
        label = f"teams malformed: {kind}"
        person = TeamsPerson(f"29:bad-{number}-{index}", f"a:bad-{number}-{index}")
        if kind == "not json":
            return teams_request(label, b"{garbage " + self.random.randbytes(64))
        if kind == "invalid utf-8":
            return teams_request(label, b'{"type":"message","text":"\xff\xfe\xc3"}')
        if kind == "json array":
            return teams_request(label, b"[]")
        if kind == "deep json":
            depth = (900, 5000, 20_000)[n % 3]
            return teams_request(
                label, b'{"type":"message","value":' + b"[" * depth + b"]" * depth + b"}"
            )
        if kind == "huge text":
            return await self._teams_personal(label, person, self._word() * 8000)
        if kind == "unknown serviceUrl":
            # A serviceUrl never seen before, answering 404: the connector clients kept per
            # service URL must stay bounded.
            url = f"{self.connector.base_url}/r{number}i{index}/"
            return await self._teams_personal(label, person, "start", service_url=url)
        activity = json.loads((await self._teams_personal(label, person, "hello")).body)
        if kind == "wrong types":
            activity["from"] = "x" if n % 2 else {"id": 5}
        elif kind == "no type":
            del activity["type"]
        elif kind == "unknown type":
            activity["type"] = self._word()
        elif kind == "no conversation":
            del activity["conversation"]
        else:  # unreadable submit: our key, values of the wrong type
            activity.pop("text", None)
            activity["value"] = {"advisor": "answer", "q": n, "o": [self._word()]}
        return teams_request(label, activity)

    def _admin_refused(self, index: int) -> Request:
        n = self._next()
        tokens = (
            None,
            f"Bearer wrong-token-{n}",
            "Basic Zm9vOmJhcg==",
            "Bearer " + "x" * 5000,
            f"bearer {ADMIN_TOKEN[:-1]}",
        )
        token = tokens[index % len(tokens)]
        headers = {} if token is None else {"Authorization": token}
        if index % 2:
            return Request("admin refused: reload", "POST", RELOAD_PATH, b"", headers)
        return Request("admin refused: status", "GET", STATUS_PATH, b"", headers)

    def _odd_method(self, number: int, index: int) -> Request:
        return Request("odd method", f"PROBE{number}X{index}", f"/nowhere/{self._next()}", b"", {})


def answer_buttons(call: ApiCall) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks")
    return [
        element
        for block in (blocks if isinstance(blocks, list) else ())
        for element in block.get("elements", [])
        if str(element.get("action_id", "")).startswith(ids.ANSWER_PREFIX)
    ]


def slack_questions(calls: Sequence[ApiCall], api: FakeSlackApi) -> dict[str, Posted]:
    """Per DM channel, the last message the bot posted there with answer buttons."""
    latest: dict[str, Posted] = {}
    for call in calls:
        buttons = answer_buttons(call)
        if not buttons:
            continue
        parsed = ids.AnswerButton.parse(str(buttons[0].get("value", "")))
        latest[str(call.params.get("channel"))] = Posted(
            question_id=parsed.question_id if parsed else "",
            press=buttons[0],
            message=str(api.answer_of(call).get("ts", "")),
            blocks=call.params["blocks"],
            text=str(call.params.get("text", "")),
        )
    return latest


def _submit_actions(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            yield node
        for value in node.values():
            yield from _submit_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _submit_actions(item)


def teams_questions(calls: Sequence[ConnectorCall]) -> dict[str, Posted]:
    """Per conversation, the last question card the bot sent (its first answer's data)."""
    cards: dict[str, Posted] = {}
    for call in calls:
        if call.operation not in SENDING or call.body is None or call.status >= 300:
            continue
        for action in _submit_actions(call.body.get("attachments") or []):
            data = action.get("data")
            submitted = parse_submit(data)
            if isinstance(data, dict) and submitted is not None and submitted.kind == "answer":
                message = str((call.answer or {}).get("id", ""))
                cards[call.conversation_id] = Posted(submitted.question_id, data, message)
                break
    return cards


# --- sending ------------------------------------------------------------------------------------


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


async def drain(
    api: FakeSlackApi, connector: FakeConnector, channels: Sequence[str] = (), posts: int = 0
) -> bool:
    """Wait until the bot has posted `posts` messages with answer buttons to each of
    `channels` (the people's DMs) and then until neither fake has heard anything for
    QUIET_SECONDS; False when that takes over DRAIN_TIMEOUT_SECONDS (work was turned away)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    wanted = set(channels)
    questions: Counter[str] = Counter()
    scanned = 0
    while wanted and posts:
        calls = api.calls()
        for call in calls[scanned:]:
            channel = str(call.params.get("channel"))
            if call.method == "chat.postMessage" and channel in wanted and answer_buttons(call):
                questions[channel] += 1
        scanned = len(calls)
        if all(questions[channel] >= posts for channel in wanted):
            break
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)

    def heard() -> int:
        return len(api.calls()) + len(connector.calls())

    seen, changed = heard(), time.monotonic()
    while time.monotonic() - changed < QUIET_SECONDS:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
        if (count := heard()) != seen:
            seen, changed = count, time.monotonic()
    return True


def forget_traffic(api: FakeSlackApi, connector: FakeConnector) -> None:
    """The fakes keep every call they receive; a round's are not needed after it (and must not
    show as growth of this process under --trace)."""
    api.clear()
    api._answers.clear()  # keyed by id(call): the calls are gone
    connector.clear()


# --- memory -------------------------------------------------------------------------------------


@dataclass
class RoundResult:
    number: int  # 0: idle, before any traffic
    requests: int
    seconds: float
    memory: Memory
    missing: int = 0  # people the bot had posted no question to (the flow went off course)
    drained: bool = True


# --- the servers --------------------------------------------------------------------------------


def settings_values(workdir: Path, api_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{workdir / 'memory.db'}",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "SURVEY_SECRET": SURVEY_SECRET,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "METRICS_ENABLED": "true",
        "LOG_LEVEL": "WARNING",
    }


def scrubbed_environment() -> dict[str, str]:
    """This shell's environment without any advisor setting or proxy (everything stays on
    127.0.0.1)."""
    return {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in _SETTINGS
        and not name.upper().startswith(_PREFIXES)
        and not name.lower().endswith("_proxy")
    }


@dataclass
class Target:
    base: str
    pid: int
    describe: str
    log: Path | None = None

    def log_summary(self) -> list[tuple[int, str]]:
        """The server's log lines, counted by level, logger and the start of the message."""
        if self.log is None or not self.log.exists():
            return []
        counted: Counter[str] = Counter()
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _LOG_LINE.match(line)
            if match is not None:
                level, logger, message = match.groups()
                counted[f"{level} {logger}: {_VARYING.split(message, 1)[0].strip()[:60]}"] += 1
        return [(count, line) for line, count in counted.most_common(LOG_LINES_SHOWN)]

    def log_tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-LOG_LINES_SHOWN:])


def start_process(
    argv: Sequence[str], workdir: Path, env: Mapping[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            argv,
            cwd=workdir,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@asynccontextmanager
async def subprocess_server(workdir: Path, api: FakeSlackApi, trace: bool) -> AsyncIterator[Target]:
    """`advisor serve --dev` (Slack with a token, Teams in emulator mode, the admin endpoint),
    or with `trace` the same application built by this script (`--serve-traced`), run from
    `workdir` so no developer `.env` is read; SIGTERM on the way out."""
    port = free_port()
    env = {
        **scrubbed_environment(),
        **settings_values(workdir, api.base_url),
        "HOST": HOST,
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    if trace:
        argv = [sys.executable, str(THIS_FILE), "--serve-traced"]
        describe = "the app built as tests/server/conftest.py does, in a child process (traced)"
    else:
        argv = [sys.executable, "-m", "bot", "serve", "--dev"]
        describe = "advisor serve --dev (subprocess)"
    log = workdir / "advisor.log"
    process = start_process(argv, workdir, env, log)
    target = Target(f"http://{HOST}:{port}", process.pid, describe, log)
    try:
        if trace:  # served on a port of its choosing, written to URL_FILE
            target.base = await wait_for_file(workdir / URL_FILE, target, process)
        await wait_healthy(target, process)
        yield target
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_for_file(path: Path, target: Target, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while (text := _read_if_there(path)) is None:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{target.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start within {START_TIMEOUT_SECONDS:g}s")
        await asyncio.sleep(0.1)
    return text


def _read_if_there(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


async def wait_healthy(target: Target, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {process.returncode}:\n{target.log_tail()}"
                )
            with suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(target.base + "/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {START_TIMEOUT_SECONDS:g}s")


def serve_traced() -> int:
    """The child of `--trace`: the server's application built here, as tests/server/conftest.py's
    `running()` does (`build_app`, `build_web_app`, served by `testing.fakes.fixtures`' server)
    and as `bot.cli` does (gc.freeze() after start-up), from the settings in the environment;
    plus two routes for the bench: start tracemalloc, and dump a snapshot."""
    import logging

    from aiohttp import web

    from bot.app import build_app
    from bot.config import slack_config, survey_secret, teams_config
    from bot.logs import configure_logging
    from bot.server import build_web_app
    from testing.fakes.fixtures import bot_server

    async def start_tracing(request: web.Request) -> web.Response:
        # What start-up built was frozen (as `advisor serve` does); gc.get_objects(), which
        # the census reads, does not list frozen objects.
        gc.unfreeze()
        tracemalloc.start(int(request.query.get("frames", TRACE_FRAMES)))
        return web.Response(text="tracing")

    async def snapshot(request: web.Request) -> web.Response:
        name = Path(request.query["name"]).name
        # The census first, so that what it allocates is gone (or in both snapshots).
        counted = json.dumps(census())
        (Path.cwd() / f"{name}.json").write_text(counted, encoding="utf-8")
        del counted
        gc.collect()  # garbage awaiting the collector is no growth
        tracemalloc.take_snapshot().dump(str(Path.cwd() / name))
        return web.Response(text=name)

    async def serve() -> None:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        configure_logging(settings.log_level, settings.log_format)
        app = await build_app(settings, survey_key=survey_secret(settings, dev=True))
        web_app = build_web_app(app, slack_config(settings), teams_config(settings, dev=True))
        web_app.router.add_post("/bench/tracemalloc/start", start_tracing)
        web_app.router.add_post("/bench/tracemalloc/snapshot", snapshot)
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with bot_server(web_app) as base:
            logging.getLogger(__name__).warning("serving on %s", base)
            (Path.cwd() / URL_FILE).write_text(base)
            await stop.wait()

    asyncio.run(serve())
    return 0


def census() -> dict[str, tuple[int, str]]:
    """Entries and bound of every cache and container that could grow, in the traced server:
    each functools.lru_cache (currsize, maxsize); the dict, set, list and deque attributes of
    the objects of bot/ and storage/ and their modules' globals (summed over the instances
    of a class, no bound known: read the code); SQLAlchemy's LRU caches (the compiled
    statements; capacity); and the Prometheus metrics' labelled series."""
    from collections import OrderedDict, deque

    from prometheus_client.metrics import MetricWrapperBase
    from sqlalchemy.util import LRUCache

    containers = (dict, set, list, deque, OrderedDict)
    found: dict[str, tuple[int, str]] = {}

    def add(name: str, size: int, bound: str = "?") -> None:
        found[name] = (found.get(name, (0, bound))[0] + size, bound)

    def ours(module: object) -> bool:
        return isinstance(module, str) and module.split(".", 1)[0] in ("bot", "storage")

    for obj in gc.get_objects():
        kind = type(obj)
        # Classes compared by identity: isinstance() with an ABC would fill the ABC's caches.
        if kind is functools._lru_cache_wrapper:
            info = obj.cache_info()
            where = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"
            bound = "none" if info.maxsize is None else f"{info.maxsize:,}"
            add(f"lru_cache {where}", info.currsize, bound)
        elif LRUCache in kind.__mro__:
            add("sqlalchemy LRUCache (compiled statements)", len(obj), f"{obj.capacity:,}")
        elif MetricWrapperBase in kind.__mro__:
            add(f"prometheus series {obj._name}", len(getattr(obj, "_metrics", {})))
        elif ours(kind.__module__):
            attributes = dict(getattr(obj, "__dict__", {}))
            for slot in getattr(kind, "__slots__", ()):
                if hasattr(obj, slot):
                    attributes[slot] = getattr(obj, slot)
            for attr, value in attributes.items():
                if isinstance(value, containers):
                    add(f"{kind.__module__}.{kind.__qualname__}.{attr}", len(value))
    for module_name, module in list(sys.modules.items()):
        if ours(module_name):
            for attr, value in list(vars(module).items()):
                if isinstance(value, containers) and not attr.startswith("__"):
                    add(f"{module_name}.{attr} (global)", len(value))
    return found


def print_census(early: Mapping[str, Sequence[Any]], late: Mapping[str, Sequence[Any]]) -> None:
    grown = [
        (name, int(early.get(name, (0, ""))[0]), int(size), str(bound))
        for name, (size, bound) in late.items()
        if int(size) != int(early.get(name, (0, ""))[0])
    ]
    grown.sort(key=lambda row: row[2] - row[1], reverse=True)
    print(
        "\ncaches and containers whose size changed over the same rounds (entries; bound:"
        " maxsize or capacity, none = unbounded, ? = see the code):"
    )
    print(f"  {'before':>8} {'after':>8} {'bound':>8}  what")
    for name, before, after, bound in grown[:CENSUS_LINES]:
        print(f"  {before:>8,} {after:>8,} {bound:>8}  {name}")
    if not grown:
        print("  none")


# --- tracemalloc --------------------------------------------------------------------------------


def filtered(snapshot: tracemalloc.Snapshot) -> tracemalloc.Snapshot:
    """The server's allocations: not tracemalloc's, the importer's, nor this script's own (its
    census materialises the __dict__ of the objects it reads)."""
    return snapshot.filter_traces(
        (
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
            tracemalloc.Filter(False, "<unknown>"),
            tracemalloc.Filter(False, str(THIS_FILE)),
        )
    )


def short(filename: str) -> str:
    for prefix in (str(REPO_ROOT) + os.sep, *sorted(sys.path, key=len, reverse=True)):
        if prefix and filename.startswith(prefix.rstrip(os.sep) + os.sep):
            return filename[len(prefix.rstrip(os.sep)) + 1 :]
    return filename


def print_trace(
    early: tracemalloc.Snapshot, late: tracemalloc.Snapshot, early_round: int, rounds: int
) -> None:
    early, late = filtered(early), filtered(late)
    total = sum(stat.size_diff for stat in late.compare_to(early, "filename"))
    print(
        f"\ntracemalloc: the server's Python allocations, after round {rounds} compared with "
        f"after round {early_round}: {total / 1024:+,.0f} KiB in all"
    )
    print(f"top {TOP_LINES} lines by growth (compare_to 'lineno'):")
    print(f"  {'KiB':>9} {'blocks':>8}  where")
    for stat in late.compare_to(early, "lineno")[:TOP_LINES]:
        frame = stat.traceback[0]
        where = f"{short(frame.filename)}:{frame.lineno}"
        print(f"  {stat.size_diff / 1024:+9.1f} {stat.count_diff:+8d}  {where}")
    print(f"\nthe {TOP_TRACEBACKS} largest growths by whole traceback (most recent call last):")
    for stat in late.compare_to(early, "traceback")[:TOP_TRACEBACKS]:
        print(f"\n  {stat.size_diff / 1024:+.1f} KiB in {stat.count_diff:+d} blocks")
        frames = [frame for frame in stat.traceback if "asyncio" not in frame.filename][-12:]
        for frame in frames:
            print(f"    {short(frame.filename)}:{frame.lineno}")


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Report:
    config: Config
    mix: Mix
    target: str
    rounds: list[RoundResult]
    statuses: Counter[tuple[str, str]]
    log_summary: list[tuple[int, str]]


async def run(config: Config, workdir: Path) -> Report:
    mix = mix_for(config.requests)
    async with FakeSlackApi() as api, FakeConnector() as connector:
        workload = Workload(api, connector, mix, config.seed, f"http://{HOST}:{free_port()}")
        async with subprocess_server(workdir, api, config.trace) as target:
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
            limits = aiohttp.TCPConnector(limit=config.in_flight)
            async with aiohttp.ClientSession(timeout=timeout, connector=limits) as session:
                return await rounds(config, mix, workload, target, session)


async def rounds(
    config: Config, mix: Mix, workload: Workload, target: Target, session: aiohttp.ClientSession
) -> Report:
    api, connector = workload.api, workload.connector
    await drain(api, connector)
    forget_traffic(api, connector)
    results = [RoundResult(0, 0, 0.0, read_memory(target.pid))]
    statuses: Counter[tuple[str, str]] = Counter()
    early_round = min(config.trace_after, config.rounds - 1)
    print(f"{'round':>5} {'requests':>8} {'seconds':>8} {'RSS MB':>8}  (running)", flush=True)
    for number in range(1, config.rounds + 1):
        started = time.monotonic()
        sent = 0
        requests = await workload.opening(number)
        # Turns that reply to a serviceUrl where nothing listens take about 5 s (the SDK's
        # retries): sent alongside the whole round rather than holding up its first phase.
        slow = [request for request in requests if request.kind == UNREACHABLE]
        slow_sent = asyncio.create_task(send_all(session, target.base, slow, config.in_flight))
        requests = [request for request in requests if request.kind != UNREACHABLE]
        statuses += await send_all(session, target.base, requests, config.in_flight)
        sent += len(requests)
        dms = [slack_dm_channel(user) for user in workload.slack_people(number)]
        drained = await drain(api, connector, dms, posts=1)
        requests, missing = await workload.pressing(number)
        statuses += await send_all(session, target.base, requests, config.in_flight)
        sent += len(requests)
        drained &= await drain(api, connector, dms, posts=2)
        requests, missing_typed = await workload.typing(number)
        statuses += await send_all(session, target.base, requests, config.in_flight)
        sent += len(requests) + len(slow)
        statuses += await slow_sent
        drained &= await drain(api, connector)
        forget_traffic(api, connector)
        del requests
        memory = read_memory(target.pid)
        seconds = time.monotonic() - started
        results.append(RoundResult(number, sent, seconds, memory, missing + missing_typed, drained))
        print(f"{number:>5} {sent:>8} {seconds:>8.1f} {memory.rss_mb:>8.1f}", flush=True)
        if config.trace and number == early_round:
            # Only what is allocated from now on is compared, so tracing starts now: the
            # first rounds run at full speed.
            await bench_call(session, target, f"start?frames={config.frames}")
            await bench_call(session, target, f"snapshot?name={EARLY}")
    report = Report(config, mix, target.describe, results, statuses, target.log_summary())
    print_report(report)
    if config.trace:
        await bench_call(session, target, f"snapshot?name={LATE}")
        workdir = target.log.parent if target.log else Path.cwd()
        early = tracemalloc.Snapshot.load(str(workdir / EARLY))
        late = tracemalloc.Snapshot.load(str(workdir / LATE))
        print_trace(early, late, early_round, config.rounds)
        print_census(
            json.loads((workdir / f"{EARLY}.json").read_text(encoding="utf-8")),
            json.loads((workdir / f"{LATE}.json").read_text(encoding="utf-8")),
        )
    return report


async def bench_call(session: aiohttp.ClientSession, target: Target, what: str) -> None:
    """Ask the traced server to start tracing or dump a snapshot (in its working directory)."""
    url = f"{target.base}/bench/tracemalloc/{what}"
    async with session.post(url, timeout=aiohttp.ClientTimeout(total=300)) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


# --- the report ---------------------------------------------------------------------------------


def growth_ratio(results: Sequence[RoundResult], half: int) -> tuple[float, float, float]:
    """(growth over the first `half` rounds, over the last `half`, their ratio), in MB."""
    rss = [result.memory.rss_mb for result in results]
    first = rss[min(half, len(rss) - 1)] - rss[0]
    last = rss[-1] - rss[max(0, len(rss) - 1 - half)]
    ratio = last / first if first > 0 else math.inf if last > 0 else 0.0
    return first, last, ratio


def verdict(ratio: float) -> str:
    if ratio < LEVELS_OFF_BELOW:
        return "levels off: caches filling early, about nothing grows later (no leak)"
    if ratio > KEEPS_GROWING_ABOVE:
        return "keeps growing at about the same pace: a leak or an unbounded cache"
    return "slowing but still growing: caches with a large bound still filling, or a slow leak"


def print_report(report: Report) -> None:
    config, mix = report.config, report.mix
    print(
        f"\nMemory under sustained traffic: {report.target}; {config.rounds} rounds of about "
        f"{mix.total:,} requests, {config.in_flight} in flight"
    )
    print(
        f"per round: Slack {mix.slack_people} new people x (start, press, typed answer), "
        f"{mix.slack_chatter} chatter DMs, {mix.slack_redelivered} redeliveries, "
        f"{mix.slack_malformed} malformed; Teams {mix.teams_people} new people x (start, submit, "
        f"typed answer), {mix.teams_chatter} chatter, {mix.teams_redelivered} redeliveries, "
        f"{mix.teams_malformed} malformed, {mix.teams_unreachable} unreachable serviceUrl; "
        f"{mix.admin_refused} refused admin calls, "
        f"{mix.odd_methods} odd methods"
    )
    columns = ("round", "requests", "seconds", "RSS MB", "growth MB", "peak MB")
    widths = (5, 8, 8, 8, 10, 8)
    print("\n" + " ".join(f"{name:>{width}}" for name, width in zip(columns, widths, strict=True)))
    previous: float | None = None
    for result in report.rounds:
        growth = "" if previous is None else f"{result.memory.rss_mb - previous:+10.1f}"
        name = "idle" if result.number == 0 else str(result.number)
        notes = []
        if result.missing:
            notes.append(f"{result.missing} without a question")
        if not result.drained:
            notes.append("not drained")
        print(
            f"{name:>5} {result.requests:>8} {result.seconds:>8.1f} {result.memory.rss_mb:>8.1f} "
            f"{growth:>10} {result.memory.hwm_mb:>8.1f}  {', '.join(notes)}".rstrip()
        )
        previous = result.memory.rss_mb
    half = config.half
    first, last, ratio = growth_ratio(report.rounds, half)
    print(
        f"\ngrowth over rounds 1-{half}: {first:+.1f} MB; over rounds "
        f"{config.rounds - half + 1}-{config.rounds}: {last:+.1f} MB"
    )
    sent = sum(result.requests for result in report.rounds[-half:])
    if sent:
        print(f"late growth per request: {last * 1024 * 1024 / sent:,.0f} bytes")
    print(f"ratio growth(last {half}) / growth(first {half}): {ratio:.2f} -> {verdict(ratio)}")
    if config.trace:
        print(
            f"(traced: from round {min(config.trace_after, config.rounds - 1) + 1} on the RSS "
            "includes tracemalloc's own bookkeeping; read the growth below, not this ratio)"
        )
    print_statuses(report.statuses)
    if report.log_summary:
        print("\nthe server's log, lines by kind:")
        for count, line in report.log_summary:
            print(f"  {count:>6}  {line}")


def print_statuses(statuses: Counter[tuple[str, str]]) -> None:
    kinds: dict[str, Counter[str]] = {}
    for (kind, status), count in statuses.items():
        kinds.setdefault(kind, Counter())[status] += count
    print("\nanswers over all rounds, by kind of request:")
    for kind in sorted(kinds):
        answered = ", ".join(f"{status} x{count}" for status, count in sorted(kinds[kind].items()))
        print(f"  {kind:<42} {answered}")


def parse_args(argv: Sequence[str] | None) -> Config:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="4 rounds of 500 requests")
    parser.add_argument("--rounds", type=int, help="rounds of traffic (default 10)")
    parser.add_argument(
        "--requests", type=int, help="requests per round (default 2000; 400 with --trace)"
    )
    parser.add_argument("--in-flight", type=int, default=50, help="requests at once (default 50)")
    parser.add_argument(
        "--trace",
        action="store_true",
        help="trace the server's allocations (tracemalloc) and show what grew after round 2",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=TRACE_FRAMES,
        help=f"frames per traced allocation (default {TRACE_FRAMES})",
    )
    parser.add_argument(
        "--trace-after",
        type=int,
        default=2,
        metavar="N",
        help="with --trace: start tracing after round N (default 2), e.g. once caches are full",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (4 if args.quick else 10)
    requests = args.requests or (500 if args.quick else 400 if args.trace else 2000)
    if rounds < 2 or requests < 100:
        parser.error("at least 2 rounds of 100 requests")
    if args.trace_after < 1:
        parser.error("--trace-after is at least 1")
    return Config(
        rounds, requests, args.in_flight, args.trace, args.frames, max(1, args.trace_after)
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--serve-traced"]:  # the child of --trace
        return serve_traced()
    config = parse_args(arguments)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as directory:
        try:
            asyncio.run(run(config, Path(directory)))
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
