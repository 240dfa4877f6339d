"""Benchmark Teams activities: the advisor, a stock echo bot and an echo bot reusing clients.

Action.Submit answers through /api/messages of the running server (`advisor serve --dev`,
SQLite), interleaved in the same run with a botbuilder bot that only echoes, twice: "echo bot"
with the SDK's authentication as shipped (new connector clients every turn) and "echo reuse"
with the advisor's `ReusingAuthentication` around it (clients kept between turns, as the advisor
does). The replies of all three go to a local fake connector service.

    python bench/teams_throughput.py            # full run: 300 users, 5 rounds at 50 and at 200
    python bench/teams_throughput.py --quick    # a short smoke run
    python bench/teams_throughput.py --json out.json

Everything listens on 127.0.0.1: the fake connector (testing/fakes/teams_connector.py) runs in this
process, `advisor serve --dev` and bench/echo_bot_app.py (twice) run as separate processes. See
bench/README.md ("Teams activities") for the method and how to read the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for _path in (REPO_ROOT, BENCH_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from slack_acks import (  # noqa: E402  # the process, memory and percentile helpers
    Latency,
    Memory,
    Sample,
    Server,
    bench_arguments,
    cpu_seconds,
    print_memory_table,
    read_memory,
    start_server,
    statuses,
    stop_server,
    tree_state,
    wait_healthy,
)

from bot.handlers.teams.submit import parse_submit  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from testing.fakes.teams_activities import (  # noqa: E402
    TEAMS_USER_AGENT,
    Delivery,
    TeamsActivities,
    aad_object_id_for,
)
from testing.fakes.teams_connector import SENDING, ConnectorCall, FakeConnector  # noqa: E402

ADVISOR = REPO_ROOT / ".venv" / "bin" / "advisor"
ECHO_APP = BENCH_DIR / "echo_bot_app.py"
MESSAGES_PATH = "/api/messages"
JSON_TYPE = "application/json; charset=utf-8"
OK_STATUSES = frozenset({200, 201, 202})  # what the Bot Framework answers an accepted activity

THROUGHPUT_BAR = 0.70  # advisor activities/s at least this share of the stock echo bot's

REQUEST_TIMEOUT_SECONDS = 60.0
LOG_LINES_SHOWN = 8
# What the servers write on every start: not errors.
EXPECTED_LOG_LINES = ("AI Ownership Advisor on ", "TEAMS DEVELOPMENT MODE")


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int
    rounds: int  # per in-flight level: one answer per user to the question the bot last sent
    levels: tuple[int, ...]  # requests kept in flight, one block of rounds each

    @property
    def questions_needed(self) -> int:
        return self.rounds * len(self.levels)


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


@dataclass(frozen=True)
class QuestionCard:
    """The last question card the bot sent to a conversation, as the fake connector got it."""

    question_id: str
    answer: dict[str, Any]  # the first option's Action.Submit data: what pressing it sends
    message_id: str  # the connector's id for the card's message: the submit's replyToId


@dataclass(frozen=True)
class RoundResult:
    target: str
    in_flight: int
    number: int
    activities: int
    wall_seconds: float
    rate: float  # activities per second
    latency: Latency
    statuses: dict[str, int]
    server_cpu: float  # the target's CPU seconds during the round / wall seconds (1.0 = a core)
    bench_cpu: float  # the same for this process: client and fake connector
    connector_calls: dict[str, int]  # operation -> calls the target made during the round
    replies: int  # activities the target sent (sends and replies with a 2xx answer)
    reply_bytes: int  # their JSON, compact, as the fake parsed it


@dataclass(frozen=True)
class TargetResult:
    """One target over its timed rounds at one level: throughput is activities over summed
    round time."""

    name: str
    in_flight: int
    activities: int
    wall_seconds: float
    rate: float
    latency: Latency
    non_2xx: int
    statuses: dict[str, int]
    errors: list[str]
    connector_calls: dict[str, int]
    replies_per_activity: float
    reply_kb_per_activity: float


@dataclass(frozen=True)
class LevelResult:
    in_flight: int
    advisor: TargetResult
    echo: TargetResult  # the stock echo bot: the SDK builds its clients every turn
    echo_reuse: TargetResult  # the echo bot with the advisor's client reuse
    throughput_ratio: float  # advisor / echo activities/s: the bar
    reuse_ratio: float  # advisor / echo reuse activities/s: the advisor's own work; no bar
    passed: bool

    @property
    def targets(self) -> tuple[TargetResult, TargetResult, TargetResult]:
        return self.advisor, self.echo, self.echo_reuse


@dataclass(frozen=True)
class Answers:
    """Did every timed answer move its user on? (the advisor's side)"""

    expected: int = 0  # answers sent to the advisor for a card of the expected question
    advanced: int = 0  # ...after which the bot sent that user the next question's card
    unexpected: int = 0  # answers to a card of another question (the flow went off course)
    missing: int = 0  # users the bot had sent no question card to


@dataclass(frozen=True)
class WarmUp:
    statuses: dict[str, dict[str, int]]  # target -> HTTP statuses of the "start" activities
    calls: dict[str, dict[str, int]]  # target -> operation -> connector calls it made
    cards: int  # users who got their first question card


@dataclass(frozen=True)
class Report:
    config: Config
    levels: list[LevelResult]
    rounds: list[RoundResult]
    memory: dict[str, dict[str, Memory]]
    warm_up: WarmUp
    answers: Answers
    log_lines: dict[str, list[str]] = field(default_factory=dict)
    exit_codes: dict[str, int | None] = field(default_factory=dict)
    tree: str = ""


# --- the servers --------------------------------------------------------------------------------


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
class Servers:
    advisor: Server
    echo: Server  # the stock SDK authentication: new connector clients every turn
    echo_reuse: Server  # the same bot with the advisor's ReusingAuthentication

    @property
    def all(self) -> tuple[Server, Server, Server]:
        return self.advisor, self.echo, self.echo_reuse

    def rotated(self, number: int) -> tuple[Server, ...]:
        """All three, round `number` starting at the (number mod 3)th, so that each goes
        first, second and last in turn."""
        servers = self.all
        first = number % len(servers)
        return servers[first:] + servers[:first]


def start_servers(processes: ExitStack, workdir: Path) -> Servers:
    """The advisor and both echo bots, each stopped when `processes` closes, whatever happens."""
    env = server_env(f"sqlite:///{workdir / 'bench.db'}")
    commands = {
        "advisor": [str(ADVISOR), "serve", "--dev"],
        "echo bot": [sys.executable, str(ECHO_APP)],
        "echo reuse": [sys.executable, str(ECHO_APP), "--reuse-clients"],
    }
    started = []
    for name, argv in commands.items():
        server = start_server(name, argv, env, workdir)
        processes.callback(stop_server, server)
        started.append(server)
    advisor, echo, echo_reuse = started
    return Servers(advisor, echo, echo_reuse)


# --- activities ---------------------------------------------------------------------------------


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


async def start_bodies(builder: ActivityBuilder, users: Sequence[User]) -> list[bytes]:
    """Each user says "start" in their personal chat."""
    return [await builder.personal(user, "start", None, None) for user in users]


@dataclass
class Answering:
    bodies: list[bytes] = field(default_factory=list)
    expected: int = 0
    unexpected: int = 0
    missing: int = 0


async def answer_bodies(
    builder: ActivityBuilder,
    users: Sequence[User],
    cards: Mapping[str, QuestionCard],
    question_id: str,
) -> Answering:
    """Each user presses the first option of the question card the bot last sent them: an
    Action.Submit activity with the button's data as `value` and the card's message as
    `replyToId`, as Teams sends it."""
    answering = Answering()
    for user in users:
        card = cards.get(user.conversation_id)
        if card is None:
            answering.missing += 1
            continue
        if card.question_id == question_id:
            answering.expected += 1
        else:
            answering.unexpected += 1
        body = await builder.personal(user, None, card.answer, card.message_id)
        answering.bodies.append(body)
    return answering


def submit_actions(node: object) -> Iterator[dict[str, Any]]:
    """Every Action.Submit in an Adaptive Card, in document order."""
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            yield node
        for value in node.values():
            yield from submit_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from submit_actions(item)


def first_answer(activity: Mapping[str, Any]) -> dict[str, Any] | None:
    """The data of the first answer button (bot/handlers/teams/submit.py) of a sent activity."""
    for action in submit_actions(activity.get("attachments") or []):
        data = action.get("data")
        submitted = parse_submit(data)
        if isinstance(data, dict) and submitted is not None and submitted.kind == "answer":
            return data
    return None


def sent_activities(calls: Sequence[ConnectorCall]) -> list[ConnectorCall]:
    """The activities the bot sent to the connector and the connector accepted."""
    return [c for c in calls if c.operation in SENDING and c.body is not None and c.status < 300]


def question_cards(calls: Sequence[ConnectorCall]) -> dict[str, QuestionCard]:
    """Per conversation, the last question card among `calls`."""
    cards: dict[str, QuestionCard] = {}
    for call in sent_activities(calls):
        assert call.body is not None
        data = first_answer(call.body)
        if data is not None:
            message_id = str((call.answer or {}).get("id", ""))
            cards[call.conversation_id] = QuestionCard(str(data["q"]), data, message_id)
    return cards


def count_operations(calls: Sequence[ConnectorCall]) -> dict[str, int]:
    counted = Counter(call.operation for call in calls)
    non_2xx = sum(1 for call in calls if call.status >= 300)
    if non_2xx:
        counted["answered non-2xx by the fake"] = non_2xx
    return dict(sorted(counted.items()))


def body_bytes(calls: Sequence[ConnectorCall]) -> int:
    return sum(
        len(json.dumps(call.body, separators=(",", ":"), ensure_ascii=False).encode())
        for call in sent_activities(calls)
    )


# --- sending ------------------------------------------------------------------------------------

HEADERS = {"Content-Type": JSON_TYPE, "User-Agent": TEAMS_USER_AGENT}


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


def non_2xx(samples: Sequence[Sample]) -> int:
    return sum(1 for sample in samples if sample.status not in OK_STATUSES)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Bench:
    """What a run needs: the fake connector, the three servers, one client session, the users and
    the question card each was sent last, and what the run gathers."""

    config: Config
    connector: FakeConnector
    servers: Servers
    session: aiohttp.ClientSession
    users: list[User]
    builder: ActivityBuilder
    cards: dict[str, QuestionCard] = field(default_factory=dict)
    rounds: list[RoundResult] = field(default_factory=list)
    samples: dict[tuple[str, int], list[Sample]] = field(default_factory=dict)
    answers: Answers = field(default_factory=Answers)

    async def post_all(
        self, server: Server, bodies: Sequence[bytes], in_flight: int
    ) -> tuple[list[Sample], float, list[ConnectorCall]]:
        """Send `bodies` to `server`; with the connector calls made meanwhile (all of them are
        the server's: the targets never run at the same time, and a turn's replies are sent
        before its HTTP answer)."""
        before = len(self.connector.calls())
        samples, wall = await send_all(
            self.session, [server.url + MESSAGES_PATH], bodies, in_flight
        )
        return samples, wall, self.connector.calls()[before:]

    async def warm_up(self) -> WarmUp:
        """Untimed: every user says "start" to the advisor (the bot answers with its intro and
        the first question card); both echo bots get the same activities."""
        bodies = await start_bodies(self.builder, self.users)
        in_flight = self.config.levels[0]
        found: dict[str, dict[str, int]] = {}
        calls: dict[str, list[ConnectorCall]] = {}
        for server in self.servers.all:
            samples, _, calls[server.name] = await self.post_all(server, bodies, in_flight)
            _check_warm_up(server.name, samples)
            found[server.name] = statuses(samples)
        self.cards.update(question_cards(calls[self.servers.advisor.name]))
        return WarmUp(
            statuses=found,
            calls={name: count_operations(made) for name, made in calls.items()},
            cards=len(self.cards),
        )

    async def run_round(self, number: int, in_flight: int, question_ids: Sequence[str]) -> None:
        """One answer per user to the advisor and the same bodies to both echo bots; which goes
        first rotates from round to round over the three."""
        answering = await answer_bodies(self.builder, self.users, self.cards, question_ids[number])
        for server in self.servers.rotated(number):
            calls = await self.timed_round(server, answering.bodies, in_flight, number)
            if server is self.servers.advisor:
                self.cards.update(question_cards(calls))
                self.record_answers(answering, question_ids[number + 1])

    async def timed_round(
        self, server: Server, bodies: Sequence[bytes], in_flight: int, number: int
    ) -> list[ConnectorCall]:
        pid = server.process.pid
        server_before, bench_before = cpu_seconds(pid), time.process_time()
        samples, wall, calls = await self.post_all(server, bodies, in_flight)
        server_cpu = (cpu_seconds(pid) - server_before) / wall
        bench_cpu = (time.process_time() - bench_before) / wall
        self.rounds.append(
            RoundResult(
                target=server.name,
                in_flight=in_flight,
                number=number,
                activities=len(samples),
                wall_seconds=wall,
                rate=len(samples) / wall,
                latency=Latency.of(samples),
                statuses=statuses(samples),
                server_cpu=server_cpu,
                bench_cpu=bench_cpu,
                connector_calls=count_operations(calls),
                replies=len(sent_activities(calls)),
                reply_bytes=body_bytes(calls),
            )
        )
        self.samples.setdefault((server.name, in_flight), []).extend(samples)
        return calls

    def record_answers(self, answering: Answering, next_question: str) -> None:
        advanced = sum(
            1
            for user in self.users
            if (card := self.cards.get(user.conversation_id)) and card.question_id == next_question
        )
        self.answers = Answers(
            expected=self.answers.expected + answering.expected,
            advanced=self.answers.advanced + advanced,
            unexpected=self.answers.unexpected + answering.unexpected,
            missing=self.answers.missing + answering.missing,
        )

    def target_result(self, name: str, in_flight: int) -> TargetResult:
        rounds = [r for r in self.rounds if r.target == name and r.in_flight == in_flight]
        samples = self.samples.get((name, in_flight), [])
        wall = sum(r.wall_seconds for r in rounds)
        calls: Counter[str] = Counter()
        for r in rounds:
            calls.update(r.connector_calls)
        count = max(len(samples), 1)
        return TargetResult(
            name=name,
            in_flight=in_flight,
            activities=len(samples),
            wall_seconds=wall,
            rate=len(samples) / wall if wall else 0.0,
            latency=Latency.of(samples),
            non_2xx=non_2xx(samples),
            statuses=statuses(samples),
            errors=sorted({s.error for s in samples if s.error}),
            connector_calls=dict(sorted(calls.items())),
            replies_per_activity=sum(r.replies for r in rounds) / count,
            reply_kb_per_activity=sum(r.reply_bytes for r in rounds) / count / 1024,
        )

    def level_result(self, in_flight: int) -> LevelResult:
        advisor, echo, echo_reuse = (
            self.target_result(server.name, in_flight) for server in self.servers.all
        )
        ratio = _ratio(advisor.rate, echo.rate)
        return LevelResult(
            in_flight=in_flight,
            advisor=advisor,
            echo=echo,
            echo_reuse=echo_reuse,
            throughput_ratio=ratio,
            reuse_ratio=_ratio(advisor.rate, echo_reuse.rate),
            passed=ratio >= THROUGHPUT_BAR,
        )


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else 0.0


def _check_warm_up(name: str, samples: Sequence[Sample]) -> None:
    bad = [s for s in samples if s.status not in OK_STATUSES]
    if bad:
        raise RuntimeError(f"warm-up on {name}: {len(bad)} of {len(samples)} not 2xx: {bad[:3]}")


async def measure(
    config: Config,
    connector: FakeConnector,
    session: aiohttp.ClientSession,
    servers: Servers,
    question_ids: Sequence[str],
) -> Report:
    for server in servers.all:
        await wait_healthy(session, server)
    memory = {server.name: {"idle": read_memory(server.process.pid)} for server in servers.all}
    users = [User.number(n) for n in range(1, config.users + 1)]
    builder = ActivityBuilder(servers.advisor.url, connector.base_url)
    bench = Bench(config, connector, servers, session, users, builder)
    warm_up = await bench.warm_up()
    for level_index, in_flight in enumerate(config.levels):
        for offset in range(config.rounds):
            await bench.run_round(level_index * config.rounds + offset, in_flight, question_ids)
    for server in servers.all:
        memory[server.name]["end"] = read_memory(server.process.pid)
    return Report(
        config=config,
        levels=[bench.level_result(in_flight) for in_flight in config.levels],
        rounds=bench.rounds,
        memory=memory,
        warm_up=warm_up,
        answers=bench.answers,
        tree=tree_state(),
    )


async def run(config: Config, workdir: Path) -> Report:
    question_ids = [q.id for q in load_knowledge(REPO_ROOT / "knowledge").questions]
    if config.questions_needed >= len(question_ids):
        raise ValueError(
            f"at most {len(question_ids) - 1} rounds in all (one per question, no summary)"
        )
    pool = aiohttp.TCPConnector(limit=max(config.levels), limit_per_host=max(config.levels))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with (
        FakeConnector() as connector,
        aiohttp.ClientSession(connector=pool, timeout=timeout) as session,
    ):
        with ExitStack() as processes:
            servers = start_servers(processes, workdir)
            report = await measure(config, connector, session, servers, question_ids)
    # Read after the servers stopped, so errors on shutdown are shown too.
    return replace(
        report,
        log_lines={server.name: server.log_lines() for server in servers.all},
        exit_codes={server.name: server.process.returncode for server in servers.all},
    )


# --- report -------------------------------------------------------------------------------------


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _calls(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{operation} {count}" for operation, count in counts.items()) or "none"


def print_level(level: LevelResult) -> None:
    columns = f"{'activities':>11}{'act/s':>9}{'p50':>11}{'p99':>11}{'max':>11}{'non-2xx':>9}"
    print(f"\n   {str(level.in_flight) + ' in flight':22}{columns}")
    for result in level.targets:
        lat = result.latency
        print(
            f"   {result.name:22}{result.activities:11d}{result.rate:9.0f}{lat.p50:8.1f} ms"
            f"{lat.p99:8.1f} ms{lat.max:8.1f} ms{result.non_2xx:9d}"
        )
    print_ratio(
        "advisor / echo",
        level.throughput_ratio,
        level.advisor,
        level.echo,
        f"THE BAR (>= {THROUGHPUT_BAR:.2f}x): vs the SDK as shipped",
    )
    print_ratio(
        "advisor / echo reuse",
        level.reuse_ratio,
        level.advisor,
        level.echo_reuse,
        "the advisor's own work, same client reuse; no bar",
    )


def print_ratio(
    label: str, throughput: float, ours: TargetResult, theirs: TargetResult, note: str
) -> None:
    a, e = ours.latency, theirs.latency
    print(
        f"   {label:22}{'':11}{throughput:8.2f}x{_ratio(a.p50, e.p50):10.1f}x"
        f"{_ratio(a.p99, e.p99):10.1f}x{_ratio(a.max, e.max):10.1f}x   {note}"
    )


def print_rounds(report: Report) -> None:
    print("\n   per round (in the order run; cpu: 1.0 = one core):")
    for r in report.rounds:
        print(
            f"   {r.number + 1:3d} {r.target:11}{r.in_flight:4d} in flight {r.activities:4d} in "
            f"{r.wall_seconds:5.2f} s {r.rate:5.0f}/s  p50 {r.latency.p50:6.1f} ms  "
            f"p99 {r.latency.p99:6.1f} ms  cpu {r.server_cpu:4.0%} (bench {r.bench_cpu:4.0%})"
        )


def print_memory(report: Report) -> None:
    print_memory_table(report.memory)


def print_connector(report: Report) -> None:
    print("\n   connector calls during the timed rounds (the replies, sent inside each request):")
    for level in report.levels:
        for result in level.targets:
            calls = _calls(result.connector_calls)
            print(
                f"   {result.name:11}{level.in_flight:4d} in flight: {calls}"
                f"; {result.replies_per_activity:.2f} activities sent per activity received, "
                f"{result.reply_kb_per_activity:.1f} KB"
            )
    answers = report.answers
    print(f"   answers followed by the next question's card: {answers.advanced}/{answers.expected}")
    if answers.unexpected or answers.missing:
        print(
            f"   off course: {answers.unexpected} answers to an unexpected question, "
            f"{answers.missing} users without a question card"
        )
    warm = report.warm_up
    advisor, *echoes = warm.calls
    others = "; ".join(f"{name} {_calls(warm.calls[name])}" for name in echoes)
    print(
        f'   warm-up ("start" per user, untimed): {advisor} {_calls(warm.calls[advisor])}, '
        f"{warm.cards}/{report.config.users} first question cards; {others}"
    )


def print_errors(report: Report) -> None:
    for level in report.levels:
        for result in level.targets:
            if result.non_2xx:
                print(f"   {result.name} at {level.in_flight}: statuses {result.statuses}")
            for error in result.errors[:LOG_LINES_SHOWN]:
                print(f"   {result.name} request error: {error}")
    for name, lines in report.log_lines.items():
        noisy = [line for line in lines if not any(s in line for s in EXPECTED_LOG_LINES)]
        code = report.exit_codes.get(name)
        stopped = "stopped cleanly" if code == 0 else f"exit code {code}"
        if not noisy:
            print(f"\n   {name} stderr: no errors or warnings beyond the start banner ({stopped})")
            continue
        print(f"\n   {name} stderr: {len(noisy)} unexpected line(s) ({stopped}); the first:")
        for line in noisy[:LOG_LINES_SHOWN]:
            print(f"     {line[:160]}")


def print_bars(report: Report) -> None:
    print()
    for level in report.levels:
        print(
            f"   bar at {level.in_flight} in flight: advisor activities/s >= "
            f"{THROUGHPUT_BAR:.0%} of the stock echo bot's ({level.throughput_ratio:.0%}): "
            f"{_verdict(level.passed)}"
        )
    for level in report.levels:
        print(
            f"   report only, at {level.in_flight} in flight: advisor activities/s are "
            f"{level.reuse_ratio:.0%} of echo reuse's (the price of the advisor's own work "
            "on the same client reuse; no bar)"
        )
    bad = sum(r.non_2xx for level in report.levels for r in level.targets)
    print(f"   every activity answered 200/201/202 ({bad} not): {_verdict(bad == 0)}")


def print_report(report: Report) -> None:
    config = report.config
    mode = "quick" if config.quick else "full"
    levels = " and ".join(str(level) for level in config.levels)
    print(
        f"Teams activities, advisor vs echo bot vs echo reuse ({mode}; python "
        f"{platform.python_version()}; {os.cpu_count()} cores): {config.users} users x "
        f"{config.rounds} rounds of Action.Submit answers at {levels} in flight"
    )
    print(
        f"advisor: `advisor serve --dev` on SQLite (tree {report.tree}); echo bot: botbuilder "
        "ActivityHandler that only echoes, SDK authentication as shipped (new connector clients "
        "every turn);"
    )
    print(
        "echo reuse: the same echo bot with the advisor's ReusingAuthentication (clients kept "
        "between turns); rounds interleaved, first target rotating; latency includes the replies."
    )
    for level in report.levels:
        print_level(level)
    print_rounds(report)
    print_memory(report)
    print_connector(report)
    print_errors(report)
    print_bars(report)


def write_json(report: Report, path: Path) -> None:
    figures = asdict(report)
    figures["mode"] = "quick" if report.config.quick else "full"
    figures["python"] = platform.python_version()
    figures["cpu_count"] = os.cpu_count()
    figures["units"] = {"time": "ms", "wall_seconds": "s", "memory": "MB", "reply_bytes": "B"}
    figures["bars"] = {"throughput_ratio": THROUGHPUT_BAR}  # reuse_ratio: reported, no bar
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return bench_arguments(__doc__).parse_args(argv)


def config_for(quick: bool) -> Config:
    if quick:
        return Config(quick=True, users=100, rounds=2, levels=(50,))
    return Config(quick=False, users=300, rounds=5, levels=(50, 200))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = config_for(args.quick)
    with tempfile.TemporaryDirectory(prefix="advisor-bench-teams-") as workdir:
        report = asyncio.run(run(config, Path(workdir)))
    print_report(report)
    if args.json:
        write_json(report, args.json)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
