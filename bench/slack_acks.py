"""Benchmark Slack acknowledgements: signed button presses against the running server (SQLite),
next to a bare slack-bolt app that only acks, interleaved in the same run.

    python bench/slack_acks.py            # full run: 400 users x 5 rounds, 200 presses in flight
    python bench/slack_acks.py --quick    # a short smoke run
    python bench/slack_acks.py --json out.json

Everything listens on 127.0.0.1: the fake Slack Web API runs in this process, `advisor serve`
and bench/bare_bolt_app.py run as separate processes. See bench/README.md ("Slack
acknowledgements") for the method and how to read the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.handlers.slack import ids  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from testing.fakes.slack_api import ApiCall, FakeSlackApi  # noqa: E402
from testing.fakes.slack_requests import (  # noqa: E402
    SLACK_USER_AGENT,
    block_actions_payload,
    slash_command_payload,
)

BENCH_DIR = Path(__file__).resolve().parent
ADVISOR = REPO_ROOT / ".venv" / "bin" / "advisor"
BARE_APP = BENCH_DIR / "bare_bolt_app.py"
EVENTS_PATH = "/slack/events"
HOST = "127.0.0.1"
# The advisor's token; the bare app gets another, so the fake tells their Web API calls apart.
BOT_TOKEN = "xoxb-bench"
BARE_TOKEN = "xoxb-bench-bare"
FORM = "application/x-www-form-urlencoded"

THROUGHPUT_BAR = 0.70  # advisor requests/s at least this share of the bare app's
P99_BAR_MS = 100.0
RSS_BAR_MB = 150.0

START_TIMEOUT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 30.0
QUIET_SECONDS = 1.0  # the advisor's background work has drained when the fake hears nothing
DRAIN_TIMEOUT_SECONDS = 120.0
STOP_GRACE_SECONDS = 5.0
LOG_LINES_SHOWN = 8


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int
    rounds: int  # each round: one press per user on the question the bot last posted them
    in_flight: int

    @property
    def presses(self) -> int:
        return self.users * self.rounds


@dataclass(frozen=True)
class Sample:
    """One request: its HTTP status (0: no answer, see `error`) and seconds to the full answer."""

    status: int
    seconds: float
    error: str = ""


@dataclass(frozen=True)
class Latency:
    """Milliseconds, nearest-rank percentiles over the answered requests."""

    n: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Latency:
        ordered = sorted(s.seconds * 1000 for s in samples if s.status)
        if not ordered:
            return cls(0, math.nan, math.nan, math.nan)
        return cls(
            len(ordered), _percentile(ordered, 0.50), _percentile(ordered, 0.99), ordered[-1]
        )


@dataclass(frozen=True)
class RoundResult:
    target: str
    number: int
    requests: int
    wall_seconds: float
    rps: float
    latency: Latency
    statuses: dict[str, int]
    server_cpu: float  # the target's CPU seconds during the round / wall seconds (1.0 = a core)
    bench_cpu: float  # the same for this process: client, signing and the fake Web API


@dataclass(frozen=True)
class TargetResult:
    """One target over all its timed rounds: throughput is presses over summed round time."""

    name: str
    requests: int
    wall_seconds: float
    rps: float
    latency: Latency
    non_200: int
    statuses: dict[str, int]
    errors: list[str]


@dataclass(frozen=True)
class Memory:
    """From /proc/<pid>/status, in MB (1 MB = 1024 KiB): VmRSS now, VmHWM the peak so far."""

    rss_mb: float
    hwm_mb: float


@dataclass
class Drains:
    """Seconds from the end of each advisor round to its last Web API call (0: none after)."""

    after_round: list[float | None] = field(default_factory=list)  # None: never went quiet
    warm_up: float | None = 0.0  # from the first /ai-owner start sent


@dataclass(frozen=True)
class Report:
    config: Config
    advisor: TargetResult
    bare: TargetResult
    throughput_ratio: float
    rounds: list[RoundResult]
    memory: dict[str, dict[str, Memory]]
    api_calls_warm_up: dict[str, int]
    api_calls_timed: dict[str, int]
    bare_api_calls: dict[str, int]
    answers_expected: int
    unexpected_questions: int
    missing_questions: int
    drains: Drains
    log_lines: dict[str, list[str]]
    passed: dict[str, bool]
    tree: str


# --- helpers ------------------------------------------------------------------------------------


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def read_memory(pid: int) -> Memory:
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return Memory(fields.get("VmRSS", math.nan), fields.get("VmHWM", math.nan))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_state() -> str:
    """The commit measured, and whether the work tree had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + {len(changed)} changed file(s)" if changed else commit


def user_id(number: int) -> str:
    return f"U{number:05d}"


def dm_channel(user: str) -> str:
    """The DM the fake Web API opens for `user` (conversations.open: U123 -> D123)."""
    return "D" + user.removeprefix("U")


# --- processes ----------------------------------------------------------------------------------


@dataclass
class Server:
    """A server in its own process, its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_lines(self) -> list[str]:
        if not self.log.exists():
            return []
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()


def server_env(
    signing_secret: str, api_url: str, database_url: str, token: str = BOT_TOKEN
) -> dict[str, str]:
    """The parent's environment without any Slack, database or knowledge settings of its own
    (a developer's SLACK_CLIENT_ID would switch the server to OAuth), plus the bench's."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DATABASE_", "KNOWLEDGE_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=api_url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_server(name: str, argv: Sequence[str], env: Mapping[str, str], workdir: Path) -> Server:
    """Start a server with `workdir` as its current directory (so no stray `.env` is read)."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*argv, "--host", HOST, "--port", str(port)],
            cwd=workdir,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(name, process, f"http://{HOST}:{port}", log)


async def wait_healthy(session: aiohttp.ClientSession, server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = "\n".join(server.log_lines()[-LOG_LINES_SHOWN:])
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        try:
            async with session.get(server.url + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer /healthz within {START_TIMEOUT_SECONDS:g}s")


def stop_server(server: Server) -> None:
    """Terminate, then kill after a grace period."""
    if server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


# --- sending ------------------------------------------------------------------------------------


class Signer:
    """Signs a body as Slack does, with the current timestamp, at the moment it is sent."""

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def headers(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        return {
            "Content-Type": FORM,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or "",
        }


async def send(session: aiohttp.ClientSession, url: str, body: bytes, signer: Signer) -> Sample:
    headers = signer.headers(body)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            return Sample(response.status, time.perf_counter() - started)
    except (aiohttp.ClientError, TimeoutError) as error:
        return Sample(0, time.perf_counter() - started, f"{type(error).__name__}: {error}")


async def send_all(
    session: aiohttp.ClientSession,
    url: str,
    bodies: Sequence[bytes],
    signer: Signer,
    in_flight: int,
) -> tuple[list[Sample], float]:
    """Send every body with at most `in_flight` outstanding; the samples and the wall time."""
    gate = asyncio.Semaphore(in_flight)

    async def one(body: bytes) -> Sample:
        async with gate:
            return await send(session, url, body, signer)

    started = time.perf_counter()
    samples = await asyncio.gather(*(one(body) for body in bodies))
    return list(samples), time.perf_counter() - started


def statuses(samples: Sequence[Sample]) -> dict[str, int]:
    return dict(sorted(Counter(str(s.status) for s in samples).items()))


async def timed_round(
    session: aiohttp.ClientSession,
    server: Server,
    bodies: Sequence[bytes],
    signer: Signer,
    config: Config,
    number: int,
) -> tuple[RoundResult, list[Sample]]:
    pid = server.process.pid
    server_before, bench_before = cpu_seconds(pid), time.process_time()
    samples, wall = await send_all(
        session, server.url + EVENTS_PATH, bodies, signer, config.in_flight
    )
    server_cpu = (cpu_seconds(pid) - server_before) / wall
    bench_cpu = (time.process_time() - bench_before) / wall
    result = RoundResult(
        target=server.name,
        number=number,
        requests=len(samples),
        wall_seconds=wall,
        rps=len(samples) / wall,
        latency=Latency.of(samples),
        statuses=statuses(samples),
        server_cpu=server_cpu,
        bench_cpu=bench_cpu,
    )
    return result, samples


def target_result(
    name: str, rounds: Sequence[RoundResult], samples: Sequence[Sample]
) -> TargetResult:
    wall = sum(r.wall_seconds for r in rounds)
    errors = sorted({s.error for s in samples if s.error})
    return TargetResult(
        name=name,
        requests=len(samples),
        wall_seconds=wall,
        rps=len(samples) / wall,
        latency=Latency.of(samples),
        non_200=sum(1 for s in samples if s.status != 200),
        statuses=statuses(samples),
        errors=errors,
    )


# --- the workload -------------------------------------------------------------------------------


def form_body(fields: Mapping[str, str]) -> bytes:
    return urlencode(fields).encode()


def start_command_bodies(api: FakeSlackApi, users: Sequence[str]) -> list[bytes]:
    """`/ai-owner start` for each user, as Slack posts it."""
    return [
        form_body(slash_command_payload("start", user_id=user, response_url=api.response_url(user)))
        for user in users
    ]


def answer_buttons(call: ApiCall) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in call.params.get("blocks") or []:
        found += [
            element
            for element in block.get("elements", [])
            if str(element.get("action_id", "")).startswith(ids.ANSWER_PREFIX)
        ]
    return found


def latest_questions(api: FakeSlackApi) -> dict[str, ApiCall]:
    """Per DM channel, the last message the bot posted there with answer buttons."""
    latest: dict[str, ApiCall] = {}
    for call in api.calls("chat.postMessage"):
        if answer_buttons(call):
            latest[str(call.params.get("channel"))] = call
    return latest


@dataclass
class RoundPresses:
    bodies: list[bytes]
    unexpected: int  # presses on a question other than the round's (the flow went off course)
    missing: int  # users the bot had posted no question to


def press_bodies(
    api: FakeSlackApi, users: Sequence[str], question_id: str, number: int
) -> RoundPresses:
    """One press per user on an answer button of the question the bot last posted them: the
    posted message's blocks and its own ts (distinct per message, so no press is a duplicate)."""
    questions = latest_questions(api)
    presses = RoundPresses([], 0, 0)
    for index, user in enumerate(users):
        call = questions.get(dm_channel(user))
        if call is None:
            presses.missing += 1
            continue
        buttons = answer_buttons(call)
        button = buttons[(index + number) % len(buttons)]
        parsed = ids.AnswerButton.parse(str(button.get("value", "")))
        if parsed is None or parsed.question_id != question_id:
            presses.unexpected += 1
        payload = block_actions_payload(
            str(button["action_id"]),
            str(button["value"]),
            user_id=user,
            channel_id=dm_channel(user),
            message_ts=str(api.answer_of(call)["ts"]),
            message_blocks=call.params["blocks"],
            message_text=str(call.params.get("text", "")),
            response_url=api.response_url(f"{user}-{number}"),
        )
        presses.bodies.append(form_body({"payload": json.dumps(payload)}))
    return presses


async def drain(
    api: FakeSlackApi, since: float, method: str = "", expected: int = 0
) -> float | None:
    """Wait until the fake Web API has received `expected` calls of `method` in all (when
    given: the server acknowledges before it works, so a quiet spell alone can come before the
    work has even started) and then heard nothing for QUIET_SECONDS; the seconds from `since`
    (a time.monotonic()) to the last call it received after it, 0 when none, None when that
    did not happen within DRAIN_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while method and len(api.calls(method)) < expected:
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.05)
    seen, changed = len(api.calls()), time.monotonic()
    while time.monotonic() - changed < QUIET_SECONDS:
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.05)
        count = len(api.calls())
        if count != seen:
            seen, changed = count, time.monotonic()
    calls = api.calls()
    return max(0.0, calls[-1].at - since) if calls else 0.0


def count_calls(calls: Sequence[ApiCall], token: str = BOT_TOKEN) -> dict[str, int]:
    """Calls per Web API method made with `token` (the advisor's by default)."""
    methods = Counter(call.method for call in calls if call.token == token)
    return dict(sorted(methods.items()))


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Bench:
    """What a run needs: the fake, both servers, one client session, and what it gathers."""

    config: Config
    api: FakeSlackApi
    advisor: Server
    bare: Server
    session: aiohttp.ClientSession
    signer: Signer
    users: list[str]
    rounds: list[RoundResult] = field(default_factory=list)
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    drains: Drains = field(default_factory=Drains)
    unexpected: int = 0
    missing: int = 0
    updates_before: int = 0

    async def warm_up(self) -> dict[str, int]:
        """Untimed: every user starts the diagnostic on the advisor (the bot posts their first
        question); the bare app gets as many presses, so both have served traffic."""
        bodies = start_command_bodies(self.api, self.users)
        expected = len(self.api.calls("conversations.open")) + len(bodies)
        started = time.monotonic()
        samples, _ = await send_all(
            self.session, self.advisor.url + EVENTS_PATH, bodies, self.signer, self.config.in_flight
        )
        _check_warm_up(self.advisor.name, samples)
        self.drains.warm_up = await drain(self.api, started, "conversations.open", expected)
        calls = count_calls(self.api.calls())
        presses = press_bodies(self.api, self.users, "", 0)
        samples, _ = await send_all(
            self.session,
            self.bare.url + EVENTS_PATH,
            presses.bodies,
            self.signer,
            self.config.in_flight,
        )
        _check_warm_up(self.bare.name, samples)
        return calls

    async def run_round(self, number: int, question_id: str) -> None:
        """One press per user on the advisor and the same bodies on the bare app; which goes
        first alternates. The advisor's background work drains before the next step, so each
        user's next press finds the next question posted, as a person's would."""
        presses = press_bodies(self.api, self.users, question_id, number)
        self.unexpected += presses.unexpected
        self.missing += presses.missing
        order = (self.advisor, self.bare) if number % 2 == 0 else (self.bare, self.advisor)
        for server in order:
            result, samples = await timed_round(
                self.session, server, presses.bodies, self.signer, self.config, number
            )
            ended = time.monotonic()
            self.rounds.append(result)
            self.samples.setdefault(server.name, []).extend(samples)
            if server is self.advisor:
                # Every press of a posted question updates that question in place.
                expected = self.updates_before + len(presses.bodies) - presses.missing
                self.drains.after_round.append(
                    await drain(self.api, ended, "chat.update", expected)
                )
                self.updates_before = len(self.api.calls("chat.update"))

    def result(self, name: str) -> TargetResult:
        rounds = [r for r in self.rounds if r.target == name]
        return target_result(name, rounds, self.samples.get(name, []))


def _check_warm_up(name: str, samples: Sequence[Sample]) -> None:
    bad = [s for s in samples if s.status != 200]
    if bad:
        raise RuntimeError(f"warm-up on {name}: {len(bad)} of {len(samples)} not 200: {bad[:3]}")


async def run(config: Config, workdir: Path) -> Report:
    question_ids = [q.id for q in load_knowledge(REPO_ROOT / "knowledge").questions]
    if config.rounds >= len(question_ids):
        raise ValueError(f"at most {len(question_ids) - 1} rounds (one per question, no summary)")
    signing_secret = secrets.token_hex(16)
    connector = aiohttp.TCPConnector(limit=config.in_flight, limit_per_host=config.in_flight)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with (
        FakeSlackApi() as api,
        aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
    ):
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        env = server_env(signing_secret, api.base_url, database_url)
        bare_env = server_env(signing_secret, api.base_url, database_url, BARE_TOKEN)
        with ExitStack() as processes:
            advisor = start_server("advisor", [str(ADVISOR), "serve"], env, workdir)
            processes.callback(stop_server, advisor)
            bare = start_server("bare bolt", [sys.executable, str(BARE_APP)], bare_env, workdir)
            processes.callback(stop_server, bare)
            return await _measure(config, api, session, advisor, bare, signing_secret, question_ids)


async def _measure(
    config: Config,
    api: FakeSlackApi,
    session: aiohttp.ClientSession,
    advisor: Server,
    bare: Server,
    signing_secret: str,
    question_ids: Sequence[str],
) -> Report:
    await wait_healthy(session, advisor)
    await wait_healthy(session, bare)
    memory = {server.name: {"idle": read_memory(server.process.pid)} for server in (advisor, bare)}
    users = [user_id(number) for number in range(1, config.users + 1)]
    bench = Bench(config, api, advisor, bare, session, Signer(signing_secret), users)
    warm_up_calls = await bench.warm_up()
    before_timed = len(api.calls())
    for number in range(config.rounds):
        await bench.run_round(number, question_ids[number])
    for server in (advisor, bare):
        memory[server.name]["end"] = read_memory(server.process.pid)
    advisor_result, bare_result = bench.result(advisor.name), bench.result(bare.name)
    ratio = advisor_result.rps / bare_result.rps
    peak = memory[advisor.name]["end"].hwm_mb
    return Report(
        config=config,
        advisor=advisor_result,
        bare=bare_result,
        throughput_ratio=ratio,
        rounds=bench.rounds,
        memory=memory,
        api_calls_warm_up=warm_up_calls,
        api_calls_timed=count_calls(api.calls()[before_timed:]),
        bare_api_calls=count_calls(api.calls(), BARE_TOKEN),
        answers_expected=config.presses - bench.missing,
        unexpected_questions=bench.unexpected,
        missing_questions=bench.missing,
        drains=bench.drains,
        log_lines={server.name: server.log_lines() for server in (advisor, bare)},
        passed={
            "throughput": ratio >= THROUGHPUT_BAR,
            "p99": advisor_result.latency.p99 < P99_BAR_MS and advisor_result.non_200 == 0,
            "rss": peak < RSS_BAR_MB,
        },
        tree=tree_state(),
    )


# --- report -------------------------------------------------------------------------------------


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _seconds(value: float | None) -> str:
    return (
        f"{value:.2f} s" if value is not None else f"still busy after {DRAIN_TIMEOUT_SECONDS:g} s"
    )


def print_targets(report: Report) -> None:
    columns = f"{'presses':>8}{'req/s':>9}{'p50':>11}{'p99':>11}{'max':>11}{'non-200':>9}"
    print(f"\n   {'target':20}{columns}")
    for result in (report.advisor, report.bare):
        lat = result.latency
        print(
            f"   {result.name:20}{result.requests:8d}{result.rps:9.0f}{lat.p50:8.1f} ms"
            f"{lat.p99:8.1f} ms{lat.max:8.1f} ms{result.non_200:9d}"
        )
    a, b = report.advisor.latency, report.bare.latency
    print(
        f"   {'advisor / bare':20}{'':8}{report.throughput_ratio:8.2f}x{a.p50 / b.p50:10.1f}x"
        f"{a.p99 / b.p99:10.1f}x{a.max / b.max:10.1f}x"
    )


def print_rounds(report: Report) -> None:
    print("\n   per round (in the order run):")
    for r in report.rounds:
        print(
            f"   {r.number + 1:3d} {r.target:12}{r.requests:5d} in {r.wall_seconds:5.2f} s "
            f"{r.rps:6.0f} req/s  p50 {r.latency.p50:6.1f} ms  p99 {r.latency.p99:6.1f} ms  "
            f"cpu {r.server_cpu:4.0%} (bench {r.bench_cpu:4.0%})"
        )


def print_memory(report: Report) -> None:
    print_memory_table(report.memory)


def print_memory_table(memory: Mapping[str, Mapping[str, Memory]]) -> None:
    """Each server's resident memory at idle and at the end, and its peak (shared by the
    benchmarks that run servers)."""
    print(f"\n   {'memory (MB)':20}{'RSS idle':>10}{'RSS end':>10}{'peak (HWM)':>12}")
    for name, points in memory.items():
        idle, end = points["idle"], points.get("end", points["idle"])
        print(f"   {name:20}{idle.rss_mb:10.1f}{end.rss_mb:10.1f}{end.hwm_mb:12.1f}")


def print_work(report: Report) -> None:
    calls = ", ".join(f"{method} {count}" for method, count in report.api_calls_timed.items())
    print(f"\n   advisor's Web API calls after the timed presses: {calls or 'none'}")
    updates = report.api_calls_timed.get("chat.update", 0)
    print(f"   answers marked in their message (chat.update): {updates}/{report.answers_expected}")
    warm = ", ".join(f"{method} {count}" for method, count in report.api_calls_warm_up.items())
    print(f"   warm-up (/ai-owner start per user, untimed): {warm}")
    bare = ", ".join(f"{method} {count}" for method, count in report.bare_api_calls.items())
    print(f"   bare bolt's Web API calls, whole run: {bare or 'none'}")
    if report.unexpected_questions or report.missing_questions:
        print(
            f"   off course: {report.unexpected_questions} presses on an unexpected question, "
            f"{report.missing_questions} users without a posted question"
        )
    drains = ", ".join(_seconds(seconds) for seconds in report.drains.after_round)
    print(f"   drain: last Web API call after each advisor round's last ack: {drains}")
    warm = _seconds(report.drains.warm_up)
    print(f"   drain: last Web API call of the warm-up after its first command: {warm}")


def print_logs(report: Report) -> None:
    for name, lines in report.log_lines.items():
        noisy = [line for line in lines if not line.startswith("AI Ownership Advisor on ")]
        if noisy:
            print(f"\n   {name} wrote {len(noisy)} log line(s); the first:")
            for line in noisy[:LOG_LINES_SHOWN]:
                print(f"     {line[:160]}")


def print_bars(report: Report) -> None:
    advisor = report.advisor
    peak = report.memory[advisor.name]["end"].hwm_mb
    print(
        f"\n   bar: throughput >= {THROUGHPUT_BAR:.0%} of bare "
        f"({report.throughput_ratio:.0%}): {_verdict(report.passed['throughput'])}"
    )
    print(
        f"   bar: p99 ack < {P99_BAR_MS:g} ms, every answer 200 ({advisor.latency.p99:.1f} ms, "
        f"{advisor.non_200} not 200): {_verdict(report.passed['p99'])}"
    )
    rss = _verdict(report.passed["rss"])
    print(f"   bar: server peak RSS < {RSS_BAR_MB:g} MB ({peak:.1f} MB): {rss}")


def print_report(report: Report) -> None:
    config = report.config
    mode = "quick" if config.quick else "full"
    print(
        f"Slack acknowledgements ({mode}; python {platform.python_version()}; {os.cpu_count()} "
        f"cores): {config.users} users x {config.rounds} rounds of signed answer-button presses, "
        f"{config.in_flight} in flight"
    )
    print(
        f"advisor: `advisor serve` on SQLite (tree {report.tree}); bare bolt: slack-bolt that "
        "only acks; rounds interleaved."
    )
    print_targets(report)
    print_rounds(report)
    print_memory(report)
    print_work(report)
    for result in (report.advisor, report.bare):
        for error in result.errors[:LOG_LINES_SHOWN]:
            print(f"   {result.name} request error: {error}")
    print_logs(report)
    print_bars(report)


def write_json(report: Report, path: Path) -> None:
    figures = asdict(report)
    figures["mode"] = "quick" if report.config.quick else "full"
    figures["python"] = platform.python_version()
    figures["cpu_count"] = os.cpu_count()
    figures["units"] = {"time": "ms", "wall_seconds": "s", "memory": "MB", "drains": "s"}
    figures["bars"] = {
        "throughput_ratio": THROUGHPUT_BAR,
        "p99_ms": P99_BAR_MS,
        "rss_mb": RSS_BAR_MB,
    }
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return bench_arguments(__doc__).parse_args(argv)


def bench_arguments(doc: str | None) -> argparse.ArgumentParser:
    """The options every benchmark has: --quick and --json PATH (its docstring's first line
    as the description)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    return parser


def config_for(quick: bool) -> Config:
    if quick:
        return Config(quick=True, users=200, rounds=2, in_flight=200)
    return Config(quick=False, users=400, rounds=5, in_flight=200)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = config_for(args.quick)
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as workdir:
        report = asyncio.run(run(config, Path(workdir)))
    print_report(report)
    if args.json:
        write_json(report, args.json)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
