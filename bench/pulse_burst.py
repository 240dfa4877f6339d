"""Benchmark pulse survey answers: a burst of signed answer submissions against the running
server on SQLite and PostgreSQL (one process, and two behind the same client), next to a bare
slack-bolt app that acks the same bodies, interleaved; then the time to compute the results
of a survey with 10,000 responses, next to fetching every answer and counting in Python.

    python bench/pulse_burst.py                 # full run: 2,000 users, 3,000 submissions/burst
    python bench/pulse_burst.py --quick         # a short smoke run
    python bench/pulse_burst.py --json out.json
    python bench/pulse_burst.py --postgres URL  # default: TEST_DATABASE_URL or the local `test`
    python bench/pulse_burst.py --no-postgres
    python bench/pulse_burst.py --profile DIR   # py-spy each advisor process during its bursts

Everything listens on 127.0.0.1 (a PostgreSQL URL naming another host is refused): the fake
Slack Web API runs in this process, `advisor serve` and bench/bare_bolt_views.py run as
separate processes. See bench/README.md ("Pulse survey bursts") for the method and how to read
the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for _path in (REPO_ROOT, BENCH_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import asyncpg  # noqa: E402
from slack_acks import (  # noqa: E402  # the process, signing, memory and percentile helpers
    ADVISOR,
    BARE_TOKEN,
    EVENTS_PATH,
    LOG_LINES_SHOWN,
    REQUEST_TIMEOUT_SECONDS,
    Latency,
    Memory,
    Sample,
    Server,
    Signer,
    bench_arguments,
    cpu_seconds,
    form_body,
    print_memory_table,
    read_memory,
    server_env,
    start_server,
    statuses,
    stop_server,
    tree_state,
    user_id,
    wait_healthy,
)
from sqlalchemy import insert, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.engine.pulse import PulseResults, pulse_results  # noqa: E402
from bot.handlers.slack import ids  # noqa: E402
from bot.handlers.slack.pulse import SORRY  # noqa: E402
from bot.knowledge import Knowledge, load_knowledge  # noqa: E402
from bot.pulse.chart import results_chart_png  # noqa: E402
from bot.pulse.keys import PulseKeys  # noqa: E402
from bot.pulse.service import CLOSED_SURVEY, UNKNOWN_SURVEY  # noqa: E402
from storage.migrate import upgrade_engine  # noqa: E402
from storage.pulse import SurveyRecord, SurveyTally  # noqa: E402
from storage.sql import SqlRepository  # noqa: E402
from storage.tables import Survey, SurveyResponse  # noqa: E402
from storage.url import normalize_database_url, redacted, with_search_path  # noqa: E402
from testing.fakes.slack_api import ApiCall, FakeSlackApi  # noqa: E402
from testing.fakes.slack_requests import SlackRequests, view_submission_payload  # noqa: E402
from testing.fakes.workspace import GENERAL_CHANNEL, TEAM_ID  # noqa: E402
from testing.flows.slack_pulse import (  # noqa: E402  # the launch as the tests drive it
    answer_values,
    launch,
    open_answer_modal,
    radio_inputs,
    survey_id,
)

BARE_APP = BENCH_DIR / "bare_bolt_views.py"
PY_SPY = REPO_ROOT / ".venv" / "bin" / "py-spy"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
PG_CONNECT_TIMEOUT_SECONDS = 3.0
SERVER_APP_NAME = "advisor-bench-server"  # application_name of the servers' connections

# The bars of the issue.
RPS_BAR = 500.0  # responses/s on PostgreSQL, at the burst's full in-flight level
P99_BAR_MS = 1000.0
RESULTS_BAR_MS = 200.0
RESULTS_RESPONSES = 10_000

THANKS = "Thanks, your answers are in"  # bot.pulse.service._thanks, first answer
UPDATED = "Your answers are updated"  # the same, changed answer
CARD_TIMEOUT_SECONDS = 20.0  # the card must show the final count this soon after a burst
PG_SAMPLE_SECONDS = 0.2
SEED = 20_240_601
# Log lines that say nothing about the run: the advisor's banner, the bare app's token notice.
NOT_INHERITED = (
    "PULSE_",
    "SURVEY_",
    "ADMIN_",
    "MICROSOFT_",
    "METRICS_",
    "RETENTION_",
    "SHUTDOWN_",
    "LOG_FORMAT",
)
COUNT = re.compile(r"(\d+) responses?\b")  # blocks_pulse.responses on the card
STAMPED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # a log record's first line
KNOWN_LINES = ("AI Ownership Advisor on ", "As you gave `client` as well, `token` will be unused.")

# How people answer: the share of each option, most chosen first; each question gets its own
# rotation, so the tally is neither uniform nor the same on every question.
SPREAD = (0.42, 0.26, 0.16, 0.10, 0.06)


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int  # distinct respondents per burst
    duplicates: int  # exact double submits, each right behind its first
    changes: int  # changed answers, in a second wave after every first answer
    levels: tuple[int, ...]  # in-flight levels; the first one is the one the bars apply to
    warm_up: int  # answers per database before anything is timed
    results_repeats: int

    @property
    def submissions(self) -> int:
        return self.users + self.duplicates + self.changes


def config_for(quick: bool) -> Config:
    if quick:
        return Config(True, 300, 75, 75, (200,), 60, 3)
    return Config(False, 2000, 500, 500, (200, 50), 200, 9)


@dataclass(frozen=True)
class Submission(Sample):
    """One answer submission: status, seconds to the whole response, what the view said."""

    outcome: str = ""


@dataclass(frozen=True)
class Wave:
    submissions: int
    wall_seconds: float
    rps: float
    latency: Latency


@dataclass(frozen=True)
class BurstResult:
    """One target's burst (both waves): throughput is submissions over the summed wall time."""

    target: str  # "sqlite x1", "postgresql x2", "bare bolt"
    paired_with: str  # the advisor configuration (for the bare app's runs)
    in_flight: int
    order: int  # position in the run
    submissions: int
    wall_seconds: float
    rps: float
    latency: Latency
    non_200: int
    statuses: dict[str, int]
    outcomes: dict[str, int]
    waves: list[Wave]
    server_cpu: dict[str, float]  # per server process: CPU seconds / wall seconds
    postgres_cpu: float | None  # the servers' PostgreSQL backends, the same way
    postgres_states: dict[str, float]  # share of the backends' samples in each state
    bench_cpu: float
    other_cpu: float  # every other process on the machine (the noise), the same way
    errors: list[str]


@dataclass
class Check:
    """What a burst left in the database and on the card."""

    target: str
    in_flight: int
    survey: str
    users: int
    counted: int | None = None  # count_responses right after the burst
    recorded: int = 0  # answers acknowledged as first answers
    replaced: int = 0  # acknowledged as changed
    expected_replaced: int = 0
    card_count: int | None = None  # the last count the card showed
    card_seconds: float | None = None  # from the burst's last ack to the card's final count
    card_updates: int = 0  # chat.update of the card from the burst's start to the final one
    tally_matches: bool | None = None  # after closing
    tally_problems: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        failed = {
            "stored count": self.counted != self.users,
            "acks": self.recorded != self.users or self.replaced != self.expected_replaced,
            "card": self.card_count != self.users,
            "tally": not self.tally_matches,
        }
        return [name for name, bad in failed.items() if bad]

    @property
    def ok(self) -> bool:
        return not self.failures()


@dataclass(frozen=True)
class ResultsTiming:
    """Medians (ms) for one database, over `repeats` runs."""

    database: str
    responses: int
    repeats: int
    results_ms: float  # tally_responses + pulse_results: the results shown
    tally_ms: float  # tally_responses alone
    close_ms: float  # close_survey: closing and storing the tally in one transaction
    chart_ms: float  # results_chart_png of those results
    baseline_ms: float  # fetch every answer row, count with collections.Counter
    insert_seconds: float  # the bulk insert of the responses (untimed setup, for scale)
    correct: bool
    problems: list[str]


@dataclass(frozen=True)
class Report:
    config: Config
    postgres: str  # the redacted URL, or why PostgreSQL was skipped
    postgres_used: bool
    bursts: list[BurstResult]
    checks: list[Check]
    memory: dict[str, dict[str, Memory]]
    warm_up: dict[str, dict[str, int]]
    results: list[ResultsTiming]
    log_lines: dict[str, list[str]]
    profiles: list[str]
    passed: dict[str, bool]
    tree: str


# --- the workload -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """The answer modal as the bot opened it: its blocks, and each question's options."""

    blocks: list[dict[str, Any]]
    questions: dict[str, list[str]]  # question id -> option ids, in the modal's order


def form_of(view: Mapping[str, Any]) -> Form:
    questions = {
        str(block["block_id"]).removeprefix(ids.PULSE_QUESTION_PREFIX): [
            str(option["value"]) for option in block["element"]["options"]
        ]
        for block in radio_inputs(dict(view))
    }
    return Form(list(view["blocks"]), questions)


def spread_weights(options: Sequence[str], rotation: int) -> list[float]:
    shares = list(SPREAD[: len(options)]) + [SPREAD[-1]] * max(0, len(options) - len(SPREAD))
    turn = rotation % len(options)
    return shares[turn:] + shares[:turn]


def pick_answers(
    questions: Mapping[str, Sequence[str]], rng: random.Random
) -> dict[str, dict[str, str]]:
    """{question: option} drawn from each question's spread (call once per person)."""
    return {
        question: rng.choices(list(options), spread_weights(options, index))[0]
        for index, (question, options) in enumerate(questions.items())
    }


def changed(
    answers: Mapping[str, str], questions: Mapping[str, Sequence[str]], rng: random.Random
) -> dict[str, str]:
    """The same person changing their mind on one to three questions."""
    new = dict(answers)
    for question in rng.sample(list(questions), rng.randint(1, min(3, len(questions)))):
        new[question] = rng.choice([o for o in questions[question] if o != answers[question]])
    return new


def tally_of_answers(answers: Sequence[Mapping[str, str]]) -> SurveyTally:
    counts: dict[str, dict[str, int]] = {}
    for person in answers:
        for question, option in person.items():
            options = counts.setdefault(question, {})
            options[option] = options.get(option, 0) + 1
    ordered = {q: dict(sorted(counts[q].items())) for q in sorted(counts)}
    return SurveyTally(len(answers), ordered)


def tally_problems(got: SurveyTally, expected: SurveyTally) -> list[str]:
    problems = []
    if got.respondents != expected.respondents:
        problems.append(f"respondents {got.respondents}, expected {expected.respondents}")
    for question in sorted(set(got.counts) | set(expected.counts)):
        have, want = got.counts.get(question, {}), expected.counts.get(question, {})
        if have != want:
            problems.append(f"question {question}: {have}, expected {want}")
    return problems


Submitted = tuple[str, dict[str, str]]  # (user, answers)


@dataclass(frozen=True)
class Plan:
    """Who submits what in one burst, in order: wave 1, every person's first answers and some
    of them again (double submits); wave 2, changed answers, sent once wave 1 is all answered.
    And the tally the survey must have at the end: each person's last answers."""

    waves: tuple[list[Submitted], list[Submitted]]
    expected: SurveyTally


def plan_burst(
    questions: Mapping[str, Sequence[str]],
    users: Sequence[str],
    duplicates: int,
    changes: int,
    seed: int,
) -> Plan:
    rng = random.Random(seed)
    first = {user: (user, pick_answers(questions, rng)) for user in users}
    order = list(users)
    rng.shuffle(order)
    # A double submit is the same submission again, a few places behind the first: with many
    # in flight both are in the server at the same time, as with a double click.
    keyed = [(float(index), first[user]) for index, user in enumerate(order)]
    for index in rng.sample(range(len(order)), duplicates):
        keyed.append((index + rng.uniform(0.5, 8.5), first[order[index]]))
    wave1 = [submission for _, submission in sorted(keyed, key=lambda pair: pair[0])]
    last = dict(first.values())
    wave2 = []
    for user in rng.sample(list(users), changes):
        last[user] = changed(last[user], questions, rng)
        wave2.append((user, last[user]))
    return Plan((wave1, wave2), tally_of_answers(list(last.values())))


@dataclass(frozen=True)
class Burst:
    """The submissions of one burst as bytes, and what the plan expects."""

    waves: tuple[list[bytes], list[bytes]]
    expected: SurveyTally
    duplicates: int
    changes: int


def submission_body(survey: str, user: str, form: Form, answers: Mapping[str, str]) -> bytes:
    chosen = {ids.pulse_question_block(q): option for q, option in answers.items()}
    payload = view_submission_payload(
        ids.PULSE_ANSWER_VIEW,
        answer_values(chosen),
        user_id=user,
        private_metadata=survey,
        blocks=form.blocks,
    )
    return form_body({"payload": json.dumps(payload)})


def build_burst(
    survey: str, form: Form, users: Sequence[str], duplicates: int, changes: int, seed: int
) -> Burst:
    plan = plan_burst(form.questions, users, duplicates, changes, seed)
    first = {user: submission_body(survey, user, form, answers) for user, answers in plan.waves[0]}
    wave2 = [submission_body(survey, user, form, answers) for user, answers in plan.waves[1]]
    # In wave 1 a person only ever sends their first answers, so a double submit is the same
    # bytes again.
    return Burst(
        ([first[user] for user, _ in plan.waves[0]], wave2), plan.expected, duplicates, changes
    )


# --- PostgreSQL ---------------------------------------------------------------------------------


def local_postgres(url: str) -> str | None:
    """Why `url` cannot be used here (not PostgreSQL, or not on this machine), or None."""
    try:
        parsed = make_url(normalize_database_url(url))
    except Exception as error:
        return f"unusable URL ({type(error).__name__})"
    if parsed.get_backend_name() != "postgresql":
        return "not a PostgreSQL URL"
    if (parsed.host or "") not in LOCAL_HOSTS:
        return "not on 127.0.0.1 (this benchmark never reaches beyond it)"
    return None


def libpq_dsn(url: str) -> str:
    parsed = make_url(normalize_database_url(url)).set(drivername="postgresql", query={})
    return parsed.render_as_string(hide_password=False)


def schema_url(base: str, schema: str, application: str) -> str:
    """`base` working in `schema`, its connections named `application` in pg_stat_activity."""
    url = make_url(with_search_path(base, schema))
    options = f"-csearch_path={schema} -capplication_name={application}"
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


async def admin_connection(base: str) -> asyncpg.Connection:
    connection: asyncpg.Connection = await asyncpg.connect(
        libpq_dsn(base),
        timeout=PG_CONNECT_TIMEOUT_SECONDS,
        server_settings={"lock_timeout": "10s", "application_name": "advisor-bench-admin"},
    )
    return connection


@asynccontextmanager
async def fresh_schema(admin: asyncpg.Connection, prefix: str) -> AsyncIterator[str]:
    schema = f"{prefix}_{secrets.token_hex(5)}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


class Backends:
    """The PostgreSQL backends serving connections named `application`, sampled every
    PG_SAMPLE_SECONDS while a burst runs: their CPU from /proc (pooled backends live long; one
    that starts during the burst counts from zero, one that ends loses at most an interval),
    and what each was doing (pg_stat_activity: running, waiting for a lock or the disk, or
    waiting for the server process, i.e. for Python)."""

    def __init__(self, admin: asyncpg.Connection, application: str) -> None:
        self._admin = admin
        self._application = application
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._states: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    async def _sample(self, starting: bool) -> None:
        rows = await self._admin.fetch(
            "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE application_name = $1",
            self._application,
        )
        for row in rows:
            pid = int(row["pid"])
            if not starting:
                self._states[backend_state(row["state"], row["wait_event_type"])] += 1
            try:
                used = cpu_seconds(pid)
            except (OSError, IndexError, ValueError):
                continue
            self._first.setdefault(pid, used if starting else 0.0)
            self._last[pid] = used

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(PG_SAMPLE_SECONDS)
            await self._sample(starting=False)

    async def start(self) -> None:
        self._first, self._last, self._states = {}, {}, Counter()
        await self._sample(starting=True)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> tuple[float, dict[str, float]]:
        """CPU seconds used since start, and the share of samples in each state."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._sample(starting=False)
        cpu = sum(self._last[pid] - self._first[pid] for pid in self._last)
        seen = sum(self._states.values()) or 1
        return cpu, {state: n / seen for state, n in self._states.most_common()}


def backend_state(state: str | None, wait: str | None) -> str:
    if state == "active":
        return f"waiting ({wait})" if wait else "running"
    if state == "idle in transaction":
        return "in a transaction, waiting for Python"
    if state == "idle":
        return "idle in the pool"
    return str(state)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


# --- sending ------------------------------------------------------------------------------------


def outcome_of(status: int, text: str) -> str:
    """What the answer told the person: recorded, replaced, or what went wrong."""
    if status != 200:
        return f"http {status}"
    try:
        body = json.loads(text)
    except ValueError:
        return "not JSON"
    action = body.get("response_action") if isinstance(body, dict) else None
    if action == "errors":
        return "field errors"
    if action != "update":
        return "no update"
    shown = json.dumps(body.get("view"), ensure_ascii=False)
    for marker, outcome in (
        (THANKS, "recorded"),
        (UPDATED, "replaced"),
        (SORRY[:40], "not saved"),
        (CLOSED_SURVEY[:30], "closed"),
        (UNKNOWN_SURVEY[:30], "unknown survey"),
    ):
        if marker in shown:
            return outcome
    return "other view"


async def submit(
    session: aiohttp.ClientSession, url: str, body: bytes, signer: Signer
) -> tuple[Submission, str]:
    headers = signer.headers(body)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            seconds = time.perf_counter() - started
            return Submission(response.status, seconds), text
    except (aiohttp.ClientError, TimeoutError) as error:
        failed = Submission(0, time.perf_counter() - started, f"{type(error).__name__}: {error}")
        return failed, ""


async def send_wave(
    session: aiohttp.ClientSession,
    targets: Sequence[Server],
    bodies: Sequence[bytes],
    signer: Signer,
    in_flight: int,
) -> tuple[list[Submission], float]:
    """Every body, round-robin over `targets`, at most `in_flight` outstanding in all."""
    gate = asyncio.Semaphore(in_flight)
    urls = [target.url + EVENTS_PATH for target in targets]

    async def one(index: int, body: bytes) -> tuple[Submission, str]:
        async with gate:
            return await submit(session, urls[index % len(urls)], body, signer)

    started = time.perf_counter()
    answered = await asyncio.gather(*(one(i, body) for i, body in enumerate(bodies)))
    wall = time.perf_counter() - started
    samples = [
        Submission(s.status, s.seconds, s.error, outcome_of(s.status, text) if s.status else "")
        for s, text in answered
    ]
    return samples, wall


class Profiler:
    """py-spy on each advisor process during its bursts (`--profile DIR`), raw format."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._running: list[subprocess.Popen[bytes]] = []
        self.files: list[str] = []

    def start(self, servers: Sequence[Server], label: str) -> bool:
        """Start recording; True when it did (then give py-spy a moment to attach)."""
        if self._directory is None:
            return False
        self._directory.mkdir(parents=True, exist_ok=True)
        for server in servers:
            output = self._directory / f"{label}-{server.name}.txt".replace(" ", "_")
            argv = [str(PY_SPY), "record", "--pid", str(server.process.pid), "--format", "raw"]
            argv += ["--rate", "200", "--output", str(output)]
            self._running.append(
                subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            self.files.append(str(output))
        return True

    def stop(self) -> None:
        for process in self._running:
            process.send_signal(signal.SIGINT)
        for process in self._running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._running = []


@dataclass(frozen=True)
class CpuShares:
    """CPU over a burst, each as CPU seconds per wall second (1.0 = a core)."""

    servers: dict[str, float]  # per server process
    postgres: float | None  # the configuration's PostgreSQL backends
    postgres_states: dict[str, float]
    bench: float  # this process
    others: float  # everything else on the machine


class CpuMeter:
    """The CPU of the servers, their PostgreSQL backends, this process and the rest of the
    machine over one burst: `await start()`, the burst, `await stop(wall_seconds)`."""

    def __init__(self, servers: Sequence[Server], backends: Backends | None) -> None:
        self._servers = servers
        self._backends = backends
        self._before: dict[str, float] = {}
        self._bench = self._machine = 0.0

    async def start(self) -> None:
        self._before = {server.name: cpu_seconds(server.process.pid) for server in self._servers}
        self._bench, self._machine = time.process_time(), machine_busy_seconds()
        if self._backends is not None:
            await self._backends.start()

    async def stop(self, wall: float) -> CpuShares:
        postgres, states = (None, {}) if self._backends is None else await self._backends.stop()
        machine = (machine_busy_seconds() - self._machine) / wall
        bench = (time.process_time() - self._bench) / wall
        servers = {
            server.name: (cpu_seconds(server.process.pid) - self._before[server.name]) / wall
            for server in self._servers
        }
        ours = sum(servers.values()) + bench + (postgres or 0.0) / wall
        share = None if postgres is None else postgres / wall
        return CpuShares(servers, share, states, bench, max(0.0, machine - ours))


async def run_burst(
    session: aiohttp.ClientSession,
    name: str,
    targets: Sequence[Server],
    waves: Sequence[Sequence[bytes]],
    signer: Signer,
    in_flight: int,
    order: int,
    paired_with: str = "",
    backends: Backends | None = None,
) -> BurstResult:
    meter = CpuMeter(targets, backends)
    await meter.start()
    samples: list[Submission] = []
    results: list[Wave] = []
    for bodies in waves:
        got, wall = await send_wave(session, targets, bodies, signer, in_flight)
        samples += got
        results.append(Wave(len(got), wall, len(got) / wall, Latency.of(got)))
    wall = sum(wave.wall_seconds for wave in results)
    cpu = await meter.stop(wall)
    return BurstResult(
        target=name,
        paired_with=paired_with,
        in_flight=in_flight,
        order=order,
        submissions=len(samples),
        wall_seconds=wall,
        rps=len(samples) / wall,
        latency=Latency.of(samples),
        non_200=sum(1 for s in samples if s.status != 200),
        statuses=statuses(samples),
        outcomes=dict(sorted(Counter(s.outcome for s in samples).items())),
        waves=results,
        server_cpu=cpu.servers,
        postgres_cpu=cpu.postgres,
        postgres_states=cpu.postgres_states,
        bench_cpu=cpu.bench,
        other_cpu=cpu.others,
        errors=sorted({s.error for s in samples if s.error}),
    )


# --- the advisor's databases and processes -------------------------------------------------------


@dataclass
class Target:
    """One advisor configuration: its database and the server processes the client uses."""

    name: str  # "sqlite x1", "postgresql x1", "postgresql x2"
    servers: list[Server]
    repository: SqlRepository  # this process's own, to count and close
    backends: Backends | None = None


@dataclass
class Launched:
    survey: str
    card: ApiCall
    form: Form


class Driver:
    """What testing.flows.slack_pulse needs of a running server: the fake and a client."""

    def __init__(self, api: FakeSlackApi, signing_secret: str, server: Server) -> None:
        self.api = api
        self.slack = SlackRequests(signing_secret, server.url, api=api)


async def launch_survey(api: FakeSlackApi, signing_secret: str, server: Server) -> Launched:
    """Through the real Slack flow: `/ai-owner pulse`, the launch modal submitted, the card
    posted; then the card's Answer pressed once, for the answer modal the bot opens."""
    driver = Driver(api, signing_secret, server)
    card = await launch(driver)  # type: ignore[arg-type]
    view = await open_answer_modal(driver, card, "U0LAUNCH")  # type: ignore[arg-type]
    return Launched(survey_id(card), card, form_of(view))


def card_updates(api: FakeSlackApi, card: ApiCall) -> list[ApiCall]:
    ts = api.answer_of(card).get("ts")
    channel = card.params.get("channel")
    return [
        call
        for call in api.calls("chat.update")
        if call.params.get("ts") == ts and call.params.get("channel") == channel
    ]


def card_count(call: ApiCall) -> int | None:
    """The live count a card update shows ("1234 responses" or "1 response")."""
    found = COUNT.findall(json.dumps(call.params, ensure_ascii=False))
    return int(found[-1]) if found else None


async def wait_for_card(
    api: FakeSlackApi, card: ApiCall, count: int, since: float, ended: float
) -> tuple[int | None, float | None, int]:
    """Wait for the card to show `count` (the debounced refresh comes a window after the last
    answer that changed the count); (the last count it showed, seconds from `ended` to that
    update, negative when it came before, and the card's updates since `since`)."""
    deadline = time.monotonic() + CARD_TIMEOUT_SECONDS
    while True:
        updates = [call for call in card_updates(api, card) if call.at >= since]
        shown = card_count(updates[-1]) if updates else None
        if shown == count:
            return shown, updates[-1].at - ended, len(updates)
        if time.monotonic() > deadline:
            return shown, None, len(updates)
        await asyncio.sleep(0.05)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Run:
    config: Config
    api: FakeSlackApi
    session: aiohttp.ClientSession
    signer: Signer
    signing_secret: str
    profiler: Profiler
    bursts: list[BurstResult] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warm_up: dict[str, dict[str, int]] = field(default_factory=dict)
    expected: dict[str, SurveyTally] = field(default_factory=dict)
    warm_bodies: list[bytes] = field(default_factory=list)  # the bare app's warm-up

    async def warm(self, target: Target) -> bytes:
        """Untimed: a survey of its own and `warm_up` answers spread over the target's
        processes; returns the view the advisor answered the first of them with (a first
        answer's thanks), for the bare app to answer with."""
        launched = await launch_survey(self.api, self.signing_secret, target.servers[0])
        users = [f"UWARM{n:04d}" for n in range(self.config.warm_up)]
        bodies = build_burst(launched.survey, launched.form, users, 0, 0, SEED - 1).waves[0]
        first, text = await submit(
            self.session, target.servers[0].url + EVENTS_PATH, bodies[0], self.signer
        )
        samples, _ = await send_wave(self.session, target.servers, bodies[1:], self.signer, 50)
        outcomes = [outcome_of(first.status, text)] + [s.outcome or s.error for s in samples]
        self.warm_up[target.name] = dict(Counter(outcomes))
        if any(outcome != "recorded" for outcome in outcomes):
            raise RuntimeError(f"warm-up on {target.name}: {self.warm_up[target.name]}")
        self.warm_bodies = self.warm_bodies or bodies
        return json.dumps(json.loads(text)["view"]).encode()

    async def warm_bare(self, bare: Server, bodies: Sequence[bytes]) -> None:
        samples, _ = await send_wave(self.session, [bare], bodies, self.signer, 50)
        self.warm_up[bare.name] = dict(Counter(s.outcome or s.error for s in samples))
        if any(s.status != 200 for s in samples):
            raise RuntimeError(f"warm-up on {bare.name}: {self.warm_up[bare.name]}")

    async def pair(self, target: Target, bare: Server, in_flight: int, order: int) -> None:
        """One burst on the advisor configuration and the same bodies on the bare app; which
        goes first alternates from pair to pair."""
        launched = await launch_survey(self.api, self.signing_secret, target.servers[0])
        users = [user_id(n) for n in range(1, self.config.users + 1)]
        burst = build_burst(
            launched.survey,
            launched.form,
            users,
            self.config.duplicates,
            self.config.changes,
            SEED + order,
        )
        check = Check(
            target.name,
            in_flight,
            launched.survey,
            self.config.users,
            expected_replaced=burst.duplicates + burst.changes,
        )
        key = f"{target.name}@{in_flight}"
        self.expected[key] = burst.expected
        self.checks.append(check)
        runs: list[Callable[[], Awaitable[None]]] = [
            lambda: self._advisor(target, burst, launched.card, check, in_flight, 2 * order),
            lambda: self._bare(bare, target.name, burst, in_flight, 2 * order),
        ]
        for step in runs if order % 2 == 0 else reversed(runs):
            await step()

    async def _advisor(
        self,
        target: Target,
        burst: Burst,
        card: ApiCall,
        check: Check,
        in_flight: int,
        order: int,
    ) -> None:
        if self.profiler.start(target.servers, f"{target.name}-{in_flight}"):
            await asyncio.sleep(1.0)  # py-spy attaches before the burst starts
        since = time.monotonic()
        result = await run_burst(
            self.session,
            target.name,
            target.servers,
            burst.waves,
            self.signer,
            in_flight,
            order,
            backends=target.backends,
        )
        ended = time.monotonic()
        self.profiler.stop()
        self.bursts.append(result)
        check.recorded = result.outcomes.get("recorded", 0)
        check.replaced = result.outcomes.get("replaced", 0)
        check.counted = await target.repository.count_responses(check.survey)
        # Drain: the debounced live count lands on the card before anything else runs.
        check.card_count, check.card_seconds, check.card_updates = await wait_for_card(
            self.api, card, check.users, since, ended
        )

    async def _bare(
        self, bare: Server, paired_with: str, burst: Burst, in_flight: int, order: int
    ) -> None:
        self.bursts.append(
            await run_burst(
                self.session,
                bare.name,
                [bare],
                burst.waves,
                self.signer,
                in_flight,
                order + 1,
                paired_with=paired_with,
            )
        )

    async def close_and_check(self, targets: Mapping[str, Target]) -> None:
        """Close every burst's survey (the tally stored in the close's transaction) and
        compare it with each person's last answer."""
        for check in self.checks:
            repository = targets[check.target].repository
            expected = self.expected[f"{check.target}@{check.in_flight}"]
            check.tally_problems = await closed_tally_problems(repository, check.survey, expected)
            check.tally_matches = not check.tally_problems


async def closed_tally_problems(
    repository: SqlRepository, survey: str, expected: SurveyTally
) -> list[str]:
    """Close `survey` (the tally is stored in the close's transaction) and say how its tally
    differs from `expected`; nothing when it matches."""
    closed = await repository.close_survey(survey, datetime.now(UTC))
    if closed is None or closed.tally is None:
        return ["the survey was not closed by this call"]
    return tally_problems(closed.tally, expected)


# --- results of 10,000 responses ----------------------------------------------------------------


async def time_ms(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await work()
    return (time.perf_counter() - started) * 1000, value


async def counter_baseline(repository: SqlRepository, survey: str) -> SurveyTally:
    """Fetch every response's answers (JSON, decoded by the driver and SQLAlchemy) and count
    them with collections.Counter: what the database's aggregation saves."""
    query = select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey)
    async with repository.engine.connect() as connection:
        rows = (await connection.execute(query)).scalars().all()
    pairs = Counter((q, o) for answers in rows for q, o in answers.items())
    counts: dict[str, dict[str, int]] = {}
    for (question, option), n in pairs.items():
        counts.setdefault(question, {})[option] = n
    return SurveyTally(len(rows), {q: dict(sorted(counts[q].items())) for q in sorted(counts)})


async def results_timing(
    database: str, url: str, knowledge: Knowledge, responses: int, repeats: int
) -> ResultsTiming:
    repository = SqlRepository.from_url(url)
    try:
        await upgrade_engine(repository.engine)
        return await _results_timing(database, repository, knowledge, responses, repeats)
    finally:
        await repository.close()


async def _results_timing(
    database: str,
    repository: SqlRepository,
    knowledge: Knowledge,
    responses: int,
    repeats: int,
) -> ResultsTiming:
    keys = PulseKeys(secrets.token_bytes(32))
    now = datetime.now(UTC)
    questions = {q.id: [o.id for o in q.options] for q in knowledge.pulse_questions}
    survey = SurveyRecord(
        id=uuid.uuid4().hex,
        platform="slack",
        workspace=TEAM_ID,
        channel=GENERAL_CHANNEL,
        launcher_key=keys.launcher("slack", TEAM_ID, "U0LAUNCH"),
        question_ids=tuple(questions),
        knowledge_version=knowledge.version,
        threshold=5,
        created_at=now,
        deadline=now + timedelta(days=3),
    )
    await repository.create_survey(survey)
    rng = random.Random(SEED)
    answers = [pick_answers(questions, rng) for _ in range(responses)]
    rows = [
        {
            "survey_id": survey.id,
            "respondent_key": keys.respondent("slack", TEAM_ID, survey.id, user_id(n)),
            "answers": person,
        }
        for n, person in enumerate(answers, 1)
    ]
    started = time.perf_counter()
    async with repository.engine.begin() as connection:
        await connection.execute(insert(SurveyResponse), rows)
    insert_seconds = time.perf_counter() - started
    expected = tally_of_answers(answers)
    problems: list[str] = []
    if (counted := await repository.count_responses(survey.id)) != responses:
        problems.append(f"{counted} responses stored, expected {responses}")

    async def shown() -> tuple[SurveyTally, PulseResults]:
        tally = await repository.tally_responses(survey.id)
        results = pulse_results(
            tally.respondents, tally.counts, survey.question_ids, knowledge, survey.threshold
        )
        return tally, results

    async def tally_only() -> SurveyTally:
        return await repository.tally_responses(survey.id)

    async def close() -> SurveyRecord | None:
        return await repository.close_survey(survey.id, datetime.now(UTC))

    async def baseline() -> SurveyTally:
        return await counter_baseline(repository, survey.id)

    times: dict[str, list[float]] = {name: [] for name in ("results", "tally", "close", "base")}
    chart: list[float] = []
    for repeat in range(repeats):
        # The baseline and ours alternate which goes first.
        steps = [("base", baseline), ("results", shown), ("tally", tally_only)]
        for name, work in steps if repeat % 2 == 0 else reversed(steps):
            ms, value = await time_ms(work)
            times[name].append(ms)
            tally = value[0] if name == "results" else value
            if repeat == 0:
                problems += [f"{name}: {p}" for p in tally_problems(tally, expected)]
            if name == "results":
                results = value[1]
        ms, closed = await time_ms(close)
        times["close"].append(ms)
        if repeat == 0:
            if closed is None or closed.tally is None:
                problems.append("close: the survey was not closed")
            else:
                problems += [f"close: {p}" for p in tally_problems(closed.tally, expected)]
        async with repository.engine.begin() as connection:  # open again, untimed
            await connection.execute(
                update(Survey)
                .where(Survey.id == survey.id)
                .values(status="open", closed_at=None, tally=None)
            )
        started = time.perf_counter()
        png = results_chart_png(results)
        chart.append((time.perf_counter() - started) * 1000)
        if repeat == 0 and not png:
            problems.append("chart: nothing drawn")
    return ResultsTiming(
        database=database,
        responses=responses,
        repeats=repeats,
        results_ms=statistics.median(times["results"]),
        tally_ms=statistics.median(times["tally"]),
        close_ms=statistics.median(times["close"]),
        chart_ms=statistics.median(chart),
        baseline_ms=statistics.median(times["base"]),
        insert_seconds=insert_seconds,
        correct=not problems,
        problems=problems,
    )


# --- the whole run ------------------------------------------------------------------------------


def without_inherited(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the parent's survey, admin, Teams, pulse, logging, metrics or retention
    settings: the pulse timers run at their defaults (a live-count refresh per 2 s window)."""
    return {name: value for name, value in env.items() if not name.startswith(NOT_INHERITED)}


def advisor_env(signing_secret: str, api_url: str, database_url: str) -> dict[str, str]:
    """As bench/slack_acks.py's, `without_inherited`."""
    return without_inherited(server_env(signing_secret, api_url, database_url))


@dataclass
class Processes:
    """The servers a run starts, each stopped when `stack` closes whatever happens, with its
    resident memory once it answers and (`read_end`) at the end."""

    stack: AsyncExitStack
    session: aiohttp.ClientSession
    workdir: Path
    servers: list[Server] = field(default_factory=list)
    memory: dict[str, dict[str, Memory]] = field(default_factory=dict)

    async def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> Server:
        server = start_server(name, argv, env, self.workdir)
        self.stack.callback(stop_server, server)
        self.servers.append(server)
        await wait_healthy(self.session, server)
        self.memory[name] = {"idle": read_memory(server.process.pid)}
        return server

    def read_end(self) -> None:
        for server in self.servers:
            self.memory[server.name]["end"] = read_memory(server.process.pid)


async def advisor_targets(
    processes: Processes,
    argv: list[str],
    env_for: Callable[[str], Mapping[str, str]],
    admin: asyncpg.Connection | None,
    postgres: str | None,
    schema_prefix: str,
) -> dict[str, Target]:
    """The advisor configurations: `argv` on a SQLite file ("sqlite x1"), and, with a
    PostgreSQL `admin` connection, on a scratch schema dropped at the end, one process
    ("postgresql x1") and two ("postgresql x2"; A, started first, migrates the schema).
    `env_for` gives a server's environment for its database URL. Each target has a
    repository of this process's own on its database, to count and close."""
    stack = processes.stack
    sqlite_url = f"sqlite:///{processes.workdir / 'bench.db'}"
    sqlite = await processes.start("sqlite advisor", argv, env_for(sqlite_url))
    repository = SqlRepository.from_url(sqlite_url)
    stack.push_async_callback(repository.close)
    targets = {"sqlite x1": Target("sqlite x1", [sqlite], repository)}
    if admin is None or postgres is None:
        return targets
    schema = await stack.enter_async_context(fresh_schema(admin, schema_prefix))
    application = f"{SERVER_APP_NAME}-{schema}"
    env = env_for(schema_url(postgres, schema, application))
    # One after the other: the first migrates the schema, the second finds it done.
    first = await processes.start("pg advisor A", argv, env)
    second = await processes.start("pg advisor B", argv, env)
    repository = SqlRepository.from_url(
        schema_url(postgres, schema, f"advisor-bench-client-{schema}")
    )
    stack.push_async_callback(repository.close)
    backends = Backends(admin, application)
    for name, group in (("postgresql x1", [first]), ("postgresql x2", [first, second])):
        targets[name] = Target(name, group, repository, backends)
    return targets


async def postgres_admin(url: str | None) -> tuple[asyncpg.Connection | None, str]:
    if url is None:
        return None, "skipped (--no-postgres)"
    refused = local_postgres(url)
    if refused is not None:
        return None, f"skipped: {redacted(url)} is {refused}"
    try:
        return await admin_connection(url), redacted(url)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return None, f"skipped: not reachable at {redacted(url)} ({type(error).__name__})"


async def run(config: Config, workdir: Path, postgres: str | None, profile: Path | None) -> Report:
    knowledge = load_knowledge(REPO_ROOT / "knowledge")
    signing_secret = secrets.token_hex(16)
    levels = max(config.levels)
    connector = aiohttp.TCPConnector(limit=levels, limit_per_host=levels)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    admin, postgres_label = await postgres_admin(postgres)
    async with AsyncExitStack() as stack:
        api = await stack.enter_async_context(FakeSlackApi())
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=connector, timeout=timeout)
        )
        if admin is not None:
            stack.push_async_callback(admin.close)
        processes = Processes(stack, session, workdir)
        targets = await advisor_targets(
            processes,
            [str(ADVISOR), "serve"],
            lambda url: advisor_env(signing_secret, api.base_url, url),
            admin,
            postgres,
            "adv_bench",
        )
        profiler = Profiler(profile)
        bench = Run(config, api, session, Signer(signing_secret), signing_secret, profiler)
        view = b""
        for target in targets.values():
            if target.name != "postgresql x1":  # x2 warms both processes, A included
                got = await bench.warm(target)
                view = view or got
        view_file = workdir / "bare_view.json"
        view_file.write_bytes(view)
        sqlite_url = f"sqlite:///{workdir / 'bench.db'}"
        bare_env = server_env(signing_secret, api.base_url, sqlite_url, BARE_TOKEN)
        bare = await processes.start(
            "bare bolt", [sys.executable, str(BARE_APP), "--view", str(view_file)], bare_env
        )
        await bench.warm_bare(bare, bench.warm_bodies)
        order = 0
        for in_flight in config.levels:
            for target in targets.values():
                await bench.pair(target, bare, in_flight, order)
                order += 1
        processes.read_end()
        await bench.close_and_check(targets)
    # Everything above is stopped (servers, fake, schema); the results run alone.
    results = [
        await results_timing(
            "sqlite",
            f"sqlite:///{workdir / 'results.db'}",
            knowledge,
            RESULTS_RESPONSES,
            config.results_repeats,
        )
    ]
    if admin is not None and postgres is not None:
        results.append(await _postgres_results(postgres, knowledge, config))
    return _report(config, postgres_label, admin is not None, bench, processes, results)


async def _postgres_results(base: str, knowledge: Knowledge, config: Config) -> ResultsTiming:
    admin = await admin_connection(base)
    try:
        async with fresh_schema(admin, "adv_bench_results") as schema:
            url = schema_url(base, schema, f"advisor-bench-results-{schema}")
            return await results_timing(
                "postgresql", url, knowledge, RESULTS_RESPONSES, config.results_repeats
            )
    finally:
        await admin.close()


def _report(
    config: Config,
    postgres_label: str,
    postgres_used: bool,
    bench: Run,
    processes: Processes,
    results: list[ResultsTiming],
) -> Report:
    passed = bar_verdicts(
        [(b.target, b.in_flight, b.rps, b.latency, b.non_200) for b in bench.bursts],
        config.levels[0],
    )
    for timing in results:
        passed[f"results {timing.database}"] = timing.results_ms < RESULTS_BAR_MS and timing.correct
    passed["correct"] = all(check.ok for check in bench.checks)
    return Report(
        config=config,
        postgres=postgres_label,
        postgres_used=postgres_used,
        bursts=bench.bursts,
        checks=bench.checks,
        memory=processes.memory,
        warm_up=bench.warm_up,
        results=results,
        log_lines={server.name: server.log_lines() for server in processes.servers},
        profiles=bench.profiler.files,
        passed=passed,
        tree=tree_state(),
    )


def bar_verdicts(
    bursts: Sequence[tuple[str, int, float, Latency, int]], level: int
) -> dict[str, bool]:
    """The issue's bars for each PostgreSQL configuration, from (target, in flight,
    responses/s, latency, answers not acknowledged) of its bursts at the bars' level:
    "rps x1", "p99 x1", "rps x2", ..."""
    passed: dict[str, bool] = {}
    for target, in_flight, rps, latency, failed in bursts:
        if target.startswith("postgresql") and in_flight == level:
            processes = target.rpartition(" ")[2]
            passed[f"rps {processes}"] = rps >= RPS_BAR
            passed[f"p99 {processes}"] = latency.p99 < P99_BAR_MS and failed == 0
    return passed


# --- report -------------------------------------------------------------------------------------


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def cpu_columns(servers: Mapping[str, float], postgres: float | None) -> str:
    """The servers' CPU shares, then their PostgreSQL backends' ("62% + 64% | pg 7%")."""
    shown = " + ".join(f"{value:.0%}" for value in servers.values())
    if postgres is not None:
        shown += f" | pg {postgres:.0%}"
    return shown


def print_bursts(report: Report) -> None:
    columns = (
        f"{'subm.':>6}{'resp/s':>8}{'p50':>10}{'p99':>10}{'max':>10}{'non-200':>8}  "
        "cpu: servers | postgres (bench, others)"
    )
    for level in report.config.levels:
        print(f"\n   {level} in flight")
        print(f"   {'target':22}{columns}")
        advisors = [b for b in report.bursts if b.in_flight == level and not b.paired_with]
        for advisor in sorted(advisors, key=lambda b: b.order):
            bare = next(
                b for b in report.bursts if b.in_flight == level and b.paired_with == advisor.target
            )
            for burst in (advisor, bare):
                lat = burst.latency
                name = burst.target if burst is advisor else "  bare bolt (paired)"
                print(
                    f"   {name:22}{burst.submissions:6d}{burst.rps:8.0f}{lat.p50:7.0f} ms"
                    f"{lat.p99:7.0f} ms{lat.max:7.0f} ms{burst.non_200:8d}  "
                    f"{cpu_columns(burst.server_cpu, burst.postgres_cpu)} "
                    f"({burst.bench_cpu:.0%}, {burst.other_cpu:.0%})"
                )
            a, b = advisor.latency, bare.latency
            print(
                f"   {'  advisor / bare':22}{'':6}{advisor.rps / bare.rps:7.2f}x"
                f"{a.p50 / b.p50:9.1f}x{a.p99 / b.p99:9.1f}x{a.max / b.max:9.1f}x"
            )


def print_waves(report: Report) -> None:
    print("\n   per burst, in the order run (wave 1: first answers and double submits; wave 2:")
    print("   changed answers, sent once wave 1 is all answered):")
    for burst in sorted(report.bursts, key=lambda b: b.order):
        waves = "; ".join(
            f"{w.submissions} in {w.wall_seconds:5.2f} s = {w.rps:4.0f}/s, "
            f"p99 {w.latency.p99:5.0f} ms"
            for w in burst.waves
        )
        name = f"{burst.target} ({burst.paired_with})" if burst.paired_with else burst.target
        print(f"   {burst.order + 1:2d} {name:30} @{burst.in_flight:<4d}{waves}")
        if burst.postgres_states:
            states = ", ".join(
                f"{state} {share:.0%}" for state, share in burst.postgres_states.items()
            )
            print(f"      postgres backends: {states}")


def print_checks(report: Report) -> None:
    print("\n   correctness (advisor bursts):")
    for check in report.checks:
        updates = f"{check.card_updates} update{'' if check.card_updates == 1 else 's'}"
        card = (
            f"card shows {check.card_count} ({updates}, the last {check.card_seconds:+.1f} s "
            "from the last ack)"
            if check.card_seconds is not None
            else f"card still shows {check.card_count} {CARD_TIMEOUT_SECONDS:g} s after it"
        )
        tally = "tally after close = last answers" if check.tally_matches else "TALLY DIFFERS"
        verdict = "PASS" if check.ok else "FAIL (" + ", ".join(check.failures()) + ")"
        print(
            f"   {check.target:14} @{check.in_flight:<4d} stored {check.counted}/{check.users}, "
            f"acked first {check.recorded}/{check.users}, changed {check.replaced}/"
            f"{check.expected_replaced}; {card}; {tally}: {verdict}"
        )
        for problem in check.tally_problems[:LOG_LINES_SHOWN]:
            print(f"      {problem}")
    outcomes = Counter[str]()
    for burst in report.bursts:
        if not burst.paired_with:
            outcomes.update(burst.outcomes)
    print(f"   advisor answers, all bursts: {dict(sorted(outcomes.items()))}")
    if outcomes.get("http 404"):
        print(
            "   http 404: bolt stopped waiting for the listener's ack after its 3 s ack_timeout "
            "and answered 'unhandled request' (Slack shows an error), though the answer was saved"
        )
    warm = "; ".join(f"{name}: {counts}" for name, counts in report.warm_up.items())
    print(f"   warm-up (untimed): {warm}")


def print_results(report: Report) -> None:
    if not report.results:
        return
    first = report.results[0]
    print(
        f"\n   results of {first.responses:,} responses to one survey (the same skewed spread), "
        f"median of {first.repeats} (ms):"
    )
    print(
        f"   {'database':12}{'results':>9}{'(tally)':>9}{'close':>9}{'chart':>9}"
        f"{'baseline':>10}{'results/baseline':>18}{'insert':>10}"
    )
    for t in report.results:
        print(
            f"   {t.database:12}{t.results_ms:9.1f}{t.tally_ms:9.1f}{t.close_ms:9.1f}"
            f"{t.chart_ms:9.1f}{t.baseline_ms:10.1f}{t.results_ms / t.baseline_ms:17.2f}x"
            f"{t.insert_seconds:9.1f}s"
        )
        for problem in t.problems[:LOG_LINES_SHOWN]:
            print(f"      {t.database}: {problem}")


def log_records(lines: Sequence[str]) -> list[str]:
    """Log lines grouped into records (a record's continuation lines have no timestamp)."""
    records: list[str] = []
    for line in lines:
        if records and not STAMPED.match(line) and not line.startswith(KNOWN_LINES):
            records[-1] += "\n" + line
        else:
            records.append(line)
    return [record for record in records if not record.startswith(KNOWN_LINES)]


def print_logs(report: Report) -> None:
    for name, lines in report.log_lines.items():
        records = log_records(lines)
        gave_up = [r for r in records if "didn't call ack()" in r or "Unhandled request" in r]
        others = [r for r in records if r not in gave_up]
        unhandled = sum(1 for r in gave_up if "Unhandled request" in r)
        if gave_up:
            print(
                f"\n   {name}: {unhandled} submission(s) answered 404 after bolt's \"didn't call "
                'ack()" and "Unhandled request" warnings (its 3 s ack_timeout)'
            )
        if others:
            print(f"\n   {name} wrote {len(others)} other log record(s); the first:")
            for record in others[:LOG_LINES_SHOWN]:
                print(f"     {record.splitlines()[0][:160]}")
    for burst in report.bursts:
        for error in burst.errors[:LOG_LINES_SHOWN]:
            print(f"   {burst.target} @{burst.in_flight} request error: {error}")


def print_bars(report: Report) -> None:
    level = report.config.levels[0]
    print()
    if not report.postgres_used:
        print(f"   bar: PostgreSQL >= {RPS_BAR:g} responses/s, p99 < {P99_BAR_MS:g} ms: not run")
    for burst in report.bursts:
        if burst.paired_with or not burst.target.startswith("postgresql"):
            continue
        if burst.in_flight != level:
            continue
        processes = burst.target.rpartition(" ")[2]
        role = "production path" if processes != "x1" else "one process"
        print(
            f"   bar: {burst.target} ({role}) >= {RPS_BAR:g} responses/s at {level} in flight "
            f"({burst.rps:.0f}/s): {_verdict(report.passed[f'rps {processes}'])}"
        )
        print(
            f"   bar: {burst.target} p99 ack < {P99_BAR_MS:g} ms, every answer 200 "
            f"({burst.latency.p99:.0f} ms, {burst.non_200} not 200): "
            f"{_verdict(report.passed[f'p99 {processes}'])}"
        )
    for t in report.results:
        print(
            f"   bar: results of {t.responses:,} responses on {t.database} < {RESULTS_BAR_MS:g} ms "
            f"({t.results_ms:.1f} ms{'' if t.correct else ', WRONG'}): "
            f"{_verdict(report.passed[f'results {t.database}'])}"
        )
    print(
        "   check: every count, acknowledgement, card and tally as expected: "
        f"{_verdict(report.passed['correct'])}"
    )


def print_report(report: Report) -> None:
    config = report.config
    mode = "quick" if config.quick else "full"
    print(
        f"Pulse survey bursts ({mode}; python {platform.python_version()}; {os.cpu_count()} "
        f"cores): {config.submissions:,} answer submissions per burst from {config.users:,} "
        f"users ({config.duplicates} double submits, {config.changes} changed answers in a "
        "second wave)"
    )
    print(
        f"advisor: `advisor serve` (tree {report.tree}) on SQLite (1 process) and PostgreSQL "
        f"(1 and 2 processes; {report.postgres}); bare bolt: slack-bolt that acks the same "
        "bodies with the same view; pairs interleaved."
    )
    print_bursts(report)
    print_waves(report)
    print_checks(report)
    print_results(report)
    print_memory_table(report.memory)
    print_logs(report)
    if report.profiles:
        print("\n   py-spy profiles (timings of a profiled run are not comparable):")
        for path in report.profiles:
            print(f"     {path}")
    print_bars(report)


def write_json(report: Report, path: Path) -> None:
    figures = asdict(report)
    figures["mode"] = "quick" if report.config.quick else "full"
    figures["python"] = platform.python_version()
    figures["cpu_count"] = os.cpu_count()
    figures["units"] = {"time": "ms", "wall_seconds": "s", "memory": "MB", "cpu": "cores"}
    figures["bars"] = {
        "rps": RPS_BAR,
        "p99_ms": P99_BAR_MS,
        "results_ms": RESULTS_BAR_MS,
        "results_responses": RESULTS_RESPONSES,
    }
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = bench_arguments(__doc__)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL),
        help="the PostgreSQL server (on 127.0.0.1) to make a scratch schema in",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="py-spy the advisor processes into DIR"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = config_for(args.quick)
    postgres = None if args.no_postgres else args.postgres
    with tempfile.TemporaryDirectory(prefix="advisor-pulse-bench-") as workdir:
        report = asyncio.run(run(config, Path(workdir), postgres, args.profile))
    print_report(report)
    if args.json:
        write_json(report, args.json)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
