"""Fuzzing the real server (issue 13): malformed requests, signed and unsigned, to
/slack/events, /api/messages and the admin endpoint, through aiohttp on 127.0.0.1.

For every request: no 5xx; a Slack request that is not correctly signed is refused (401)
unread; a refused request (4xx) changes nothing in the database; an accepted one stores only
what a request like it may: conversations and references of a workspace and a person the
request named (with keys the database's columns hold), survey answers to the survey's own
questions and options from a person the request named, surveys launched by someone it named and
closed only by their launcher or an admin, knowledge versions only from an admin (or the admin
token), audit entries append-only and few. After the run the server still answers /healthz and
a well-formed request of each platform. Requests never leave 127.0.0.1 (see FuzzServer).

What the fuzz found is fixed, each with a regression test of its own
(test_slack_malformed_fuzzed.py, test_teams_malformed_fuzzed.py); nothing is tolerated here.

`make test` runs a bounded number of examples per endpoint; the `fuzz_long` tests, deselected
by default, run many more (`pytest -m fuzz_long`, which CI runs too). The seed is fixed
(derandomize): a failure is the same failure on every machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.admin.http import RELOAD_PATH, STATUS_PATH
from bot.admin.refusals import WINDOW_SECONDS
from storage.conversations import KEY_LENGTH, ConversationKey
from testing.fakes.teams_activities import MESSAGES_PATH
from testing.flows.slack_pulse import launch, open_launch_modal, survey_id
from tests.server.conftest import SIGNING_SECRET
from tests.server.fuzz_payloads import (
    ADMIN_CASES,
    API,
    CLOSED,
    CONNECTOR,
    LAUNCH,
    NTH,
    QUESTIONS,
    SLACK_CASES,
    SURVEY,
    TEAMS_BODIES,
    AdminCase,
    Body,
    SlackCase,
    expand,
    materialize,
    slack_headers,
)
from tests.server.fuzz_server import ADMIN_TOKEN, ADMIN_USER, Change, ErrorLog, FuzzServer

EVENTS_PATH = "/slack/events"
# Examples per endpoint: in every `make test`, and in the fuzz_long run.
QUICK_EXAMPLES = 300
LONG_EXAMPLES = 2500
# Bodies over the server's client_max_size (1 MiB) are refused before anything reads them.
MAX_BODY = 1024**2
# Tables a request may only ever add to, and those no request may touch.
APPEND_ONLY = frozenset({"audit_log", "knowledge_loads"})
NEVER = frozenset({"slack_installations", "slack_bots"})
T = TypeVar("T")


def fuzz(
    fuzzed: Fuzzed,
    cases: st.SearchStrategy[T],
    check: Callable[[Fuzzed, T], None],
    examples: int,
) -> None:
    """`examples` cases through one server (fixed seed, no example database), then the checks
    that it still serves."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(case=cases)
    def each(case: T) -> None:
        check(fuzzed, case)

    started = time.perf_counter()
    each()
    fuzzed.finish()
    took = time.perf_counter() - started
    counts = sorted(fuzzed.statuses.items())
    print(f"{fuzzed.statuses.total()} requests in {took:.1f} s: {counts}")
    print(f"rows changed: {sorted(fuzzed.stored.items())}")
    for line, count in fuzzed.logged.most_common():
        print(f"  logged {count}x {line}")
    for took, status, body in fuzzed.slowest:
        print(f"  {took:.2f} s: {status} for {body!r}")
    if fuzzed.server.outside:
        print(f"lookups of other hosts refused: {sorted(set(fuzzed.server.outside))}")


class Fuzzed:
    """The running server, the addresses the placeholders stand for, and the error log."""

    def __init__(self, server: FuzzServer, errors: ErrorLog) -> None:
        self.server = server
        self.errors = errors
        self.places: dict[str, str] = {
            API: server.api.response_url("fuzz"),
            CONNECTOR: server.connector.base_url,
            CLOSED: server.closed_url,
        }
        self.statuses: Counter[int] = Counter()
        self.slowest: list[tuple[float, int, bytes]] = []
        self.stored: Counter[str] = Counter()  # rows changed, by table and operation
        self.logged: Counter[str] = Counter()  # errors logged, by logger and first words

    def encode(self, body: Body) -> bytes:
        """The body as sent: placeholders filled in, a fresh number for delivery ids."""
        self.places[NTH] = str(self.statuses.total() + 1)
        return body.encode(self.places)

    def send(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.errors.records.clear()
        started = time.perf_counter()
        status = self.server.run(self.server.send(method, path, body, headers)).status
        self.logged.update(logged_as(record) for record in self.errors.records)
        took = time.perf_counter() - started
        self.statuses[status] += 1
        self.slowest = sorted([*self.slowest, (took, status, body[:200])], reverse=True)[:3]
        return status

    def changes(self) -> list[Change]:
        changes = self.server.run(self.server.changes())
        self.stored.update(f"{change.table} {change.op.lower()}" for change in changes)
        return changes

    def finish(self) -> None:
        """The server still answers, and answers a well-formed request of each platform."""
        server = self.server
        assert server.run(server.healthy())
        reply = server.run(server.slack.slash_command("help"))
        assert reply.status == 200, reply
        activity = server.teams.personal_message("help")
        assert server.run(activity).status in (200, 201)
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert self.send("GET", STATUS_PATH, b"", headers) == 200


def logged_as(record: logging.LogRecord) -> str:
    """An error record in a line: where it was logged, and the exception and the last line of
    our own code it passed through."""
    line = f"{record.name}: {' '.join(record.getMessage().split()[:4])}"
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        frames = [
            (f"{Path(frame.filename).name}:{frame.lineno}", "/bot/" in frame.filename)
            for frame in traceback.extract_tb(error.__traceback__)
        ]
        ours = [place for place, in_bot in frames if in_bot][-1:] or [""]
        deepest = frames[-1][0] if frames else ""
        line += f" [{type(error).__name__} {ours[0]} .. {deepest}: {str(error)[:80]}]"
    return line


@pytest.fixture
def fuzzed(tmp_path: Path) -> Iterator[Fuzzed]:
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    server = FuzzServer(tmp_path)
    try:
        server.start()
        yield Fuzzed(server, errors)
    finally:
        logging.getLogger().removeHandler(errors)
        server.close()


@pytest.fixture
def with_survey(fuzzed: Fuzzed) -> Fuzzed:
    """A survey open in the general channel, for survey answers and buttons to name."""
    running = fuzzed.server.running

    async def launched() -> tuple[str, str]:
        card = await launch(running, user=ADMIN_USER)
        view = await open_launch_modal(running, user=ADMIN_USER)
        await fuzzed.server.settle()
        await fuzzed.server.changes()  # the launch's own rows are not the fuzz's doing
        return survey_id(card), str(view["private_metadata"])

    survey, metadata = fuzzed.server.run(launched())
    fuzzed.places.update({SURVEY: survey, LAUNCH: metadata})
    return fuzzed


# --- what a request may store -------------------------------------------------------------------


def named(value: Any, found: set[str] | None = None) -> set[str]:
    """Every string a request named (keys and values, numbers as text), at any depth."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            named(key, found)
            named(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            named(item, found)
    elif isinstance(value, str):
        value = expand(value)
        found.add(value)
        if value[:1] in ("{", "["):
            with contextlib.suppress(ValueError, RecursionError):
                named(json.loads(value), found)
    elif value is not None:
        found.add(str(value))
    return found


def check_stored(fuzzed: Fuzzed, changes: list[Change], names: set[str]) -> None:
    """What an accepted request stored is what a request naming `names` may store."""
    audits = 0
    for change in changes:
        where = f"{change.op} {change.table} {change.key}: {change.row}"
        assert change.table not in NEVER, where
        if change.table in APPEND_ONLY:
            assert change.op == "INSERT", where
        row = change.row
        if change.op == "DELETE" or row is None:
            # An uninstall or a forget-me; or a row written and then deleted by the same
            # request (a survey whose card could not be posted)
            continue
        if change.table == "audit_log":
            audits += 1
        elif change.table == "knowledge_loads":
            assert ADMIN_USER in names, f"a knowledge version from a non-admin: {where}"
        elif change.table == "surveys":
            check_survey(fuzzed, change.op, row, names, where)
        elif change.table == "survey_responses":
            check_response(fuzzed, row, names, where)
        elif "user_id" in row:
            for column in ("workspace", "user_id"):
                assert row[column] in names, f"stored for a {column} nobody named: {where}"
                # What PostgreSQL's columns would take:
                assert len(row[column]) <= KEY_LENGTH, f"a {column} too long: {where}"
            key = ConversationKey(row["platform"], row["workspace"], row["user_id"])
            repository = fuzzed.server.app.storage
            if change.table == "conversations":
                assert (
                    fuzzed.server.run(repository.conversations.load_conversation(key)) is not None
                ), where
            if change.table == "conversation_references":
                assert (
                    fuzzed.server.run(repository.conversations.load_reference(key)) is not None
                ), where
    assert audits <= 3, f"{audits} audit entries for one request"


def check_survey(
    fuzzed: Fuzzed, op: str, row: Mapping[str, Any], names: set[str], where: str
) -> None:
    """A survey launched (anyone may) or closed (its launcher or an admin) by someone named."""
    assert row["workspace"] in names, where
    keys = fuzzed.server.keys
    launchers = {keys.launcher(row["platform"], row["workspace"], name) for name in names}
    if op == "INSERT":
        assert row["launcher_key"] in launchers, f"launched by nobody the request named: {where}"
    if row["status"] != "open":
        closer = ADMIN_USER in names or row["launcher_key"] in launchers
        assert closer, f"closed by neither its launcher nor an admin: {where}"


def check_response(fuzzed: Fuzzed, row: Mapping[str, Any], names: set[str], where: str) -> None:
    """A survey answer: to the survey's own questions, with their options, by a person the
    request named (the respondent key is the keyed hash of the survey and the person)."""
    survey = fuzzed.server.run(fuzzed.server.app.storage.pulse.load_survey(row["survey_id"]))
    assert survey is not None, where
    keys = fuzzed.server.keys
    people = {
        keys.respondent(survey.platform, survey.workspace, survey.id, name)
        for name in names
        if name
    }
    assert row["respondent_key"] in people, f"an answer from nobody the request named: {where}"
    for question, option in row["answers"].items():
        assert question in survey.question_ids, where
        assert option in QUESTIONS[question], where


def content_of(body: Body, places: Mapping[str, str]) -> Any:
    return None if body.kind == "raw" else materialize(body.content, places)


# --- Slack ---------------------------------------------------------------------------------------


def check_slack(fuzzed: Fuzzed, case: SlackCase) -> None:
    body = fuzzed.encode(case.body)
    headers = slack_headers(case, body, int(time.time()), SIGNING_SECRET)
    status = fuzzed.send("POST", EVENTS_PATH, body, headers)
    changes = fuzzed.changes()
    shown = f"{status} for {body[:300]!r} with {headers}"
    assert status < 500, shown
    if not case.signing.signed:
        assert status == (413 if len(body) > MAX_BODY else 401), shown
    if status >= 400:
        assert changes == [], f"{shown}: a refused request stored {changes}"
    else:
        check_stored(fuzzed, changes, named(content_of(case.body, fuzzed.places)))


def test_slack_requests_never_get_5xx_nor_store_garbage(with_survey: Fuzzed) -> None:
    fuzz(with_survey, SLACK_CASES, check_slack, QUICK_EXAMPLES)


@pytest.mark.fuzz_long
def test_slack_requests_never_get_5xx_nor_store_garbage_long(with_survey: Fuzzed) -> None:
    fuzz(with_survey, SLACK_CASES, check_slack, LONG_EXAMPLES)


# --- Teams ---------------------------------------------------------------------------------------


# Where emulator mode files a turn that names no tenant or no sender (the Bot Framework
# Emulator sends neither tenant nor AAD id): a fallback by design, not a name made up.
TEAMS_FALLBACK = "unknown"


def check_teams(fuzzed: Fuzzed, body: Body) -> None:
    encoded = fuzzed.encode(body)
    headers = {"Content-Type": body.content_type} if body.content_type else {}
    status = fuzzed.send("POST", MESSAGES_PATH, encoded, headers)
    changes = fuzzed.changes()
    shown = f"{status} for {encoded[:300]!r} with {headers}"
    assert status < 500, shown
    if 400 <= status < 500:
        assert changes == [], f"{shown}: a refused request stored {changes}"
    else:
        content = content_of(body, fuzzed.places)
        names = named(content) | {TEAMS_FALLBACK}
        check_stored(fuzzed, changes, names)


def test_teams_activities_never_get_5xx_nor_store_garbage(fuzzed: Fuzzed) -> None:
    fuzz(fuzzed, TEAMS_BODIES, check_teams, QUICK_EXAMPLES)


@pytest.mark.fuzz_long
def test_teams_activities_never_get_5xx_nor_store_garbage_long(fuzzed: Fuzzed) -> None:
    fuzz(fuzzed, TEAMS_BODIES, check_teams, LONG_EXAMPLES)


# --- the admin endpoint --------------------------------------------------------------------------


def check_admin(fuzzed: Fuzzed, case: AdminCase) -> None:
    server = fuzzed.server
    version = server.app.knowledge.version
    headers = {} if case.authorization is None else {"Authorization": case.authorization}
    if case.body.content_type:
        headers["Content-Type"] = case.body.content_type
    body = fuzzed.encode(case.body)
    status = fuzzed.send(case.method, case.path, body, headers)
    changes = fuzzed.changes()
    shown = f"{status} for {case.method} {case.path} {headers} {body[:100]!r}"
    assert status < 500, shown
    assert server.app.knowledge.version == version, shown  # the folder never changes
    served = case.path.split("?")[0] in (RELOAD_PATH, STATUS_PATH)
    if served and case.method in ("GET", "POST", "HEAD") and not case.authorized:
        assert status in (401, 405, 413, 429), shown
    tables = {change.table for change in changes}
    if case.authorized:
        assert tables <= {"audit_log", "knowledge_loads"}, (shown, changes)
    else:
        assert tables <= {"audit_log"}, (shown, changes)
    check_stored(fuzzed, changes, {ADMIN_USER} if case.authorized else set())


def refusals_audited_in_few_rows(fuzzed: Fuzzed, seconds: float) -> None:
    """However many wrong tokens came, each action's refusals from the one client take at most
    two audit rows a minute: the first, and the count of the repeats."""
    repository = fuzzed.server.app.storage
    entries = fuzzed.server.run(repository.admin.audit_entries(limit=100_000))
    refused = [entry for entry in entries if entry.outcome == "refused"]
    minutes = 1 + int(seconds // WINDOW_SECONDS)
    assert len(refused) <= 2 * 2 * minutes, refused


def test_admin_requests_never_get_5xx_nor_store_garbage(fuzzed: Fuzzed) -> None:
    started = time.monotonic()
    fuzz(fuzzed, ADMIN_CASES, check_admin, QUICK_EXAMPLES)
    refusals_audited_in_few_rows(fuzzed, time.monotonic() - started)


@pytest.mark.fuzz_long
def test_admin_requests_never_get_5xx_nor_store_garbage_long(fuzzed: Fuzzed) -> None:
    started = time.monotonic()
    fuzz(fuzzed, ADMIN_CASES, check_admin, LONG_EXAMPLES)
    refusals_audited_in_few_rows(fuzzed, time.monotonic() - started)
