"""`advisor serve` as real processes, for tests that need more than one server, a restart or a
signal: start one on a free port of 127.0.0.1 against a database and a FakeSlackApi, send it
signed Slack requests, stop it with SIGTERM.

    async with serving(tmp_path, "a", database_url, api) as a:
        reply = await slack.command(a, "pulse")
        ...
        assert await terminate(a) == 0, a.log()

Each process runs in `tmp_path` (so no `.env` of the developer's is read) with an environment
scrubbed of every setting the advisor reads, and writes its stderr to `<name>.log` there: a
file rather than a pipe, so a chatty process can never block on a full pipe, and a failing
test can show what the server said.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import (
    SLACK_USER_AGENT,
    block_actions_payload,
    slash_command_payload,
    view_submission_payload,
)
from testing.fakes.workspace import GENERAL_CHANNEL, USER_ID
from tests.server.conftest import SIGNING_SECRET

BOT_TOKEN = "xoxb-process-test-token"
SURVEY_SECRET = "process-test-survey-secret-0123456789abcdef"
# Generous: a 2-core machine running several Python processes and PostgreSQL at once.
START_SECONDS = 60.0
STOP_SECONDS = 30.0
REQUEST_SECONDS = 60.0
# Everything the advisor reads from its environment, which a test must not inherit.
_SETTINGS = frozenset(name.upper() for name in Settings.model_fields)
_PREFIXES = ("SLACK_", "MICROSOFT_", "PULSE_")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(database_url: str, api: FakeSlackApi, port: int, **values: str) -> dict[str, str]:
    """The inherited environment without any advisor setting, plus a single-workspace Slack
    configuration on `api`, the database and the port; `values` add or override settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in _SETTINGS and not key.upper().startswith(_PREFIXES)
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api.base_url,
        SURVEY_SECRET=SURVEY_SECRET,
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="WARNING",
        **values,
    )
    return env


@dataclass
class Served:
    """One `advisor serve` process."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.base}/slack/events"

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log(self) -> str:
        """What the process wrote to stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


async def start(
    tmp_path: Path, name: str, database_url: str, api: FakeSlackApi, **values: str
) -> Served:
    """Start `python -m bot serve` and wait until /healthz answers."""
    port = free_port()
    log_path = tmp_path / f"{name}.log"
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve",
            cwd=tmp_path, env=environment(database_url, api, port, **values),
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip
    served = Served(name, process, port, log_path)
    try:
        await wait_healthy(served)
    except BaseException:
        await kill(served)
        raise
    return served


async def wait_healthy(served: Served, within: float = START_SECONDS) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            assert served.running, (
                f"{served.name} exited with {served.process.returncode} before serving:\n"
                f"{served.log()}"
            )
            with suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{served.base}/healthz") as reply:
                    if reply.status == 200:
                        return
            assert loop.time() < deadline, f"{served.name} never became healthy:\n{served.log()}"
            await asyncio.sleep(0.1)


async def terminate(served: Served, within: float = STOP_SECONDS) -> int:
    """SIGTERM, then the exit code; AssertionError (after a SIGKILL) when the process does not
    exit within `within` seconds."""
    if served.running:
        served.process.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.wait_for(served.process.wait(), timeout=within)
    except TimeoutError:
        await kill(served)
        raise AssertionError(
            f"{served.name} did not exit within {within:g}s of SIGTERM:\n{served.log()}"
        ) from None
    return code


async def kill(served: Served) -> None:
    """SIGKILL if still running (a test's cleanup), and reap the process."""
    if served.running:
        with suppress(ProcessLookupError):
            served.process.kill()
    with suppress(TimeoutError):
        await asyncio.wait_for(served.process.wait(), timeout=STOP_SECONDS)


@asynccontextmanager
async def serving(
    tmp_path: Path, name: str, database_url: str, api: FakeSlackApi, **values: str
) -> AsyncIterator[Served]:
    """A process for the block; killed on the way out unless the test stopped it already."""
    served = await start(tmp_path, name, database_url, api, **values)
    try:
        yield served
    finally:
        await kill(served)


@asynccontextmanager
async def serving_together(
    tmp_path: Path, names: Sequence[str], database_url: str, api: FakeSlackApi, **values: str
) -> AsyncIterator[tuple[Served, ...]]:
    """Processes started at once, which halves the wait on a slow machine (on a fresh database
    their migrations queue behind each other's lock, and one of them does the work); all
    killed on the way out unless the test stopped them already."""
    started = await asyncio.gather(
        *(start(tmp_path, name, database_url, api, **values) for name in names),
        return_exceptions=True,
    )
    try:
        for served in started:
            if isinstance(served, BaseException):
                raise served
        yield tuple(served for served in started if isinstance(served, Served))
    finally:
        for served in started:
            if isinstance(served, Served):
                await kill(served)


# --- Slack's requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What a server answered: its status and body, or the connection error instead."""

    status: int | None
    body: str = ""
    error: str | None = None
    at: float = 0.0  # time.monotonic() when the answer (or the error) arrived

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def ok(self) -> bool:
        return self.status == 200


class SlackClient:
    """Signs requests exactly as Slack does and posts them to any of the servers, over one
    HTTP session (so hundreds can be in flight without hundreds of sessions). Response URLs
    point at `api`, so what a listener sends through respond() is recorded there."""

    def __init__(self, api: FakeSlackApi, *, connections: int = 100) -> None:
        self.api = api
        self._verifier = SignatureVerifier(SIGNING_SECRET)
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._response_urls = 0

    async def __aenter__(self) -> SlackClient:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_SECONDS),
            connector=aiohttp.TCPConnector(limit=self._connections),
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    def response_url(self, kind: str) -> str:
        self._response_urls += 1
        return self.api.response_url(f"{kind}-{self._response_urls}")

    async def command(
        self,
        served: Served,
        text: str,
        *,
        user: str = USER_ID,
        channel: str = GENERAL_CHANNEL,
    ) -> Reply:
        fields = slash_command_payload(
            text, user_id=user, channel_id=channel, response_url=self.response_url("command")
        )
        return await self.post(served, urlencode(fields).encode())

    async def interaction(self, served: Served, payload: Mapping[str, Any]) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(served, body)

    async def view_submission(
        self,
        served: Served,
        callback_id: str,
        values: Mapping[str, Any],
        *,
        user: str = USER_ID,
        private_metadata: str = "",
        blocks: list[dict[str, Any]] | None = None,
    ) -> Reply:
        payload = view_submission_payload(
            callback_id, values, user_id=user, private_metadata=private_metadata, blocks=blocks
        )
        return await self.interaction(served, payload)

    async def block_action(
        self,
        served: Served,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str,
        message_ts: str,
        message_blocks: list[dict[str, Any]],
    ) -> Reply:
        payload = block_actions_payload(
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            message_ts=message_ts,
            message_blocks=message_blocks,
            response_url=self.response_url("action"),
        )
        return await self.interaction(served, payload)

    async def post(self, served: Served, body: bytes) -> Reply:
        """POST a form body, signed now, to the server's Slack endpoint. A refused or dropped
        connection is a Reply with `error` set (a server being stopped does that)."""
        assert self._session is not None, "use `async with SlackClient(api)`"
        timestamp = str(int(time.time()))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        }
        try:
            async with self._session.post(served.events_url, data=body, headers=headers) as answer:
                text = await answer.text()
                return Reply(answer.status, text, at=time.monotonic())
        except (aiohttp.ClientError, TimeoutError) as error:
            return Reply(None, error=type(error).__name__, at=time.monotonic())
