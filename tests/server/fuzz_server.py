"""The real server, on an event loop the fuzz tests own, and what it stored after each request.

Hypothesis drives synchronous test functions, so the server cannot live on pytest-asyncio's
loop: `FuzzServer` makes its own loop, starts on it the whole `advisor serve` application
(Slack on the fake Web API, Teams in emulator mode replying to a FakeConnector, the admin
endpoint), and runs each request with `run`. One server serves every example of a test.

Between examples, `settle` waits for the work a request left behind (bolt dispatches after the
acknowledgement, listeners, replies to the fakes), and `changes` says which rows of which tables
were inserted, updated or deleted since the last call: SQLite triggers, created on the test's own
database, log every change in a side table, so an example is checked against exactly what it
did, at a cost that does not grow with the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from unittest.mock import patch

import aiohttp
from sqlalchemy import Table, text
from sqlalchemy.exc import OperationalError
from urllib3.util.retry import Retry

from bot.app import App, build_app
from bot.config import Settings, slack_config, teams_config
from bot.pulse.keys import PulseKeys
from bot.server import build_web_app
from storage.tables import metadata
from testing.fakes.local_server import local_server
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import SlackRequests
from testing.fakes.teams_activities import TeamsActivities
from testing.fakes.teams_connector import FakeConnector
from tests.server.conftest import SIGNING_SECRET, RunningServer
from tests.server.processes import free_port

T = TypeVar("T")

ADMIN_TOKEN = "fuzz-admin-token-0123456789abcdef"
ADMIN_USER = "U0BOSS"  # in ADMIN_USERS: may close any survey and reload the knowledge
SURVEY_KEY = b"fuzz-survey-key-0123456789abcdef"
REQUEST_TIMEOUT_SECONDS = 30.0
SETTLE_TIMEOUT_SECONDS = 20.0
CHANGES = "fuzz_changes"
LOCKED_RETRIES = 20
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", b"127.0.0.1", b"localhost", b"::1"})

# Tasks that live as long as the server, whatever the requests: not work a request left behind.
_LONG_LIVED = frozenset(
    {
        "FastAck._work",  # bolt's dispatchers, started by the first acknowledged request
        "RequestHandler.start",  # aiohttp's idle keep-alive connections
        "RefusalWindows._flush_later.<locals>.later",  # the admin refusals' minute windows
    }
)


@dataclass(frozen=True)
class Change:
    table: str
    op: str  # INSERT, UPDATE or DELETE
    key: tuple[Any, ...]  # the row's primary key
    row: Mapping[str, Any] | None  # the row as it is now (None once deleted)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class FuzzServer:
    """The server and its fakes, started by `start` on a loop of its own."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.loop = asyncio.new_event_loop()
        self._stack: list[Any] = []
        # Hosts beyond 127.0.0.1 the server tried to reach (see `_local_only`).
        self.outside: list[str] = []
        self._getaddrinfo = socket.getaddrinfo
        self._backoff = Retry.get_backoff_time
        self._baseline: set[asyncio.Task[Any]] = set()
        self._session: aiohttp.ClientSession | None = None
        self.keys = PulseKeys(SURVEY_KEY)

    # Lifecycle ---------------------------------------------------------------------------------

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def start(self) -> FuzzServer:
        socket.getaddrinfo = self._local_only
        # The Teams SDK (msrest, on requests) retries a connector it cannot reach three times,
        # 4.8 s of backoff in all: the same attempts, without the waits between them.
        patch.object(Retry, "get_backoff_time", _no_backoff).start()
        self.run(self._start())
        return self

    def _local_only(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        """Name resolution for 127.0.0.1 only: whatever host a request names (Teams' SDK even
        makes one up, api.botframework.com, for an activity without a serviceUrl), nothing
        leaves the machine, and the run is the same with or without a network."""
        if host not in LOCAL_HOSTS:
            self.outside.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, "the fuzz test resolves 127.0.0.1 only")
        return self._getaddrinfo(host, *args, **kwargs)

    async def _start(self) -> None:
        self.api = await self._enter(FakeSlackApi())
        self.connector = await self._enter(FakeConnector())
        self.settings = Settings(
            database_url=f"sqlite:///{self.tmp_path / 'advisor.db'}",
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=self.api.base_url,
            admin_token=ADMIN_TOKEN,
            admin_users=ADMIN_USER,
            # No timer fires during a run: every write is the doing of the request just sent.
            pulse_tick_seconds=3600,
            pulse_count_seconds=0,
            knowledge_poll_seconds=3600,
        )
        self.app: App = await build_app(self.settings, survey_key=SURVEY_KEY)
        web_app = build_web_app(
            self.app, slack_config(self.settings), teams_config(self.settings, dev=True)
        )
        self.base = await self._enter(local_server(web_app))
        self.slack = SlackRequests(SIGNING_SECRET, self.base, api=self.api)
        self.teams = TeamsActivities(self.base, self.connector.base_url)
        self.closed_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        self.running = RunningServer(self.base, self.slack, self.api, self.app)
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
            connector=aiohttp.TCPConnector(force_close=True),
        )
        await self._log_changes()
        self._baseline = set(asyncio.all_tasks())

    async def _enter(self, manager: Any) -> Any:
        value = await manager.__aenter__()
        self._stack.append(manager)
        return value

    def close(self) -> None:
        try:
            self.run(self._close())
        finally:
            self.loop.close()
            socket.getaddrinfo = self._getaddrinfo
            Retry.get_backoff_time = self._backoff  # type: ignore[method-assign]

    async def _close(self) -> None:
        if self._session is not None:
            await self._session.close()
        while self._stack:
            await self._stack.pop().__aexit__(None, None, None)

    # Requests ----------------------------------------------------------------------------------

    async def send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One request, then `settle`: the reply, once everything it started has finished."""
        assert self._session is not None
        async with self._session.request(
            method, self.base + path, data=body, headers=dict(headers or {})
        ) as response:
            reply = Reply(response.status, await response.read(), dict(response.headers))
        await self.settle()
        return reply

    async def healthy(self) -> bool:
        assert self._session is not None
        async with self._session.get(self.base + "/healthz") as response:
            return response.status == 200 and (await response.json()) == {"status": "ok"}

    async def settle(self, within: float = SETTLE_TIMEOUT_SECONDS) -> None:
        """Wait until every task started since the server came up has finished, but for the
        long-lived ones: the work behind acknowledgements, listeners and their replies."""
        deadline = time.monotonic() + within
        me = asyncio.current_task()
        while True:
            for _ in range(5):  # let queued work (a dispatcher taking the next request) start
                await asyncio.sleep(0)
            busy = {
                task
                for task in asyncio.all_tasks()
                if task is not me
                and task not in self._baseline
                and not task.done()
                and _name(task) not in _LONG_LIVED
            }
            if not busy:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                names = sorted(_name(task) for task in busy)
                raise AssertionError(f"still busy {within:.0f} s after the request: {names}")
            await asyncio.wait(busy, timeout=min(remaining, 1.0))

    # Storage -----------------------------------------------------------------------------------

    async def _log_changes(self) -> None:
        """Triggers that note every insert, update and delete, with the row's primary key."""
        async with self.app.storage.database.engine.begin() as connection:
            await connection.execute(text(f"CREATE TABLE {CHANGES} (tbl TEXT, op TEXT, pk TEXT)"))
            for table in metadata.sorted_tables:
                for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                    key = ", ".join(f"{row}.{column.name}" for column in table.primary_key)
                    await connection.execute(
                        text(
                            f"CREATE TRIGGER fuzz_{table.name}_{op.lower()} AFTER {op} "
                            f"ON {table.name} BEGIN INSERT INTO {CHANGES} "
                            f"VALUES ('{table.name}', '{op}', json_array({key})); END"
                        )
                    )

    async def changes(self) -> list[Change]:
        """The rows changed since the last call, each with its current content."""
        for attempt in range(LOCKED_RETRIES):
            try:
                return await self._changes()
            except OperationalError as error:
                if "locked" not in str(error) or attempt == LOCKED_RETRIES - 1:
                    raise AssertionError(f"{error}; tasks: {_describe_tasks()}") from error
                await asyncio.sleep(0.05)
                await self.settle()
        raise AssertionError("unreachable")

    async def _changes(self) -> list[Change]:
        async with self.app.storage.database.engine.begin() as connection:
            logged = (await connection.execute(text(f"SELECT tbl, op, pk FROM {CHANGES}"))).all()
            await connection.execute(text(f"DELETE FROM {CHANGES}"))
            found: list[Change] = []
            for name, op, pk in logged:
                table: Table = metadata.tables[name]
                key = tuple(json.loads(pk))
                condition = [
                    column == value
                    for column, value in zip(table.primary_key.columns, key, strict=True)
                ]
                row = (await connection.execute(table.select().where(*condition))).mappings()
                current = row.one_or_none()
                found.append(Change(name, op, key, None if current is None else dict(current)))
            return found


def _no_backoff(retry: Retry) -> float:
    return 0.0


def _describe_tasks() -> list[str]:
    return [f"{_name(task)} at {task.get_stack(limit=3)}" for task in asyncio.all_tasks()]


def _name(task: asyncio.Task[Any]) -> str:
    coroutine = task.get_coro()
    return getattr(coroutine, "__qualname__", repr(coroutine))


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, kept for the test to look at."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
