"""Benchmark pulse survey answers on Teams: a burst of "Send my answers" submissions (the
Action.Submit activities of people's private chats with the bot) against `advisor serve --dev`
on SQLite and PostgreSQL (one process, and two behind the same client), next to a botbuilder
echo bot on the same activities, interleaved.

    python bench/pulse_burst_teams.py                 # 1,000 people, 1,500 activities per burst
    python bench/pulse_burst_teams.py --quick         # a short smoke run
    python bench/pulse_burst_teams.py --json out.json
    python bench/pulse_burst_teams.py --postgres URL  # default: TEST_DATABASE_URL or local `test`
    python bench/pulse_burst_teams.py --no-postgres

Everything listens on 127.0.0.1: the fake Bot Framework connector runs in this process,
`advisor serve --dev` and bench/echo_bot_app.py run as separate processes. See bench/README.md
("Pulse survey bursts on Teams") for the method and how to read the report.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for _path in (REPO_ROOT, BENCH_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from pulse_burst import (  # noqa: E402  # the workload, targets, measures and bars
    CARD_TIMEOUT_SECONDS,
    DEFAULT_POSTGRES_URL,
    P99_BAR_MS,
    RPS_BAR,
    SEED,
    THANKS,
    UPDATED,
    Backends,
    CpuMeter,
    Processes,
    Target,
    advisor_targets,
    bar_verdicts,
    closed_tally_problems,
    cpu_columns,
    plan_burst,
    postgres_admin,
    without_inherited,
)
from slack_acks import (  # noqa: E402  # the process, memory and percentile helpers
    LOG_LINES_SHOWN,
    Latency,
    Memory,
    Sample,
    Server,
    bench_arguments,
    print_memory_table,
    statuses,
    tree_state,
)
from teams_throughput import (  # noqa: E402  # activities built, not posted; how they are sent
    ADVISOR,
    ECHO_APP,
    EXPECTED_LOG_LINES,
    MESSAGES_PATH,
    OK_STATUSES,
    REQUEST_TIMEOUT_SECONDS,
    ActivityBuilder,
    User,
    send_all,
)
from teams_throughput import server_env as teams_env  # noqa: E402

from bot.pulse.service import CLOSED_SURVEY, UNKNOWN_SURVEY  # noqa: E402
from storage.pulse import SurveyTally  # noqa: E402
from testing.fakes.teams_activities import PEOPLE, TeamsActivities  # noqa: E402
from testing.fakes.teams_connector import SENDING, UPDATE, ConnectorCall, FakeConnector  # noqa: E402
from testing.flows.teams_pulse import answer_value, launch, open_form  # noqa: E402

# The live count on the channel card (bot.handlers.teams.cards_pulse._answered).
COUNT = re.compile(r"(\d+) (?:people have|person has) answered")
ECHO = "echo bot"
LAUNCHER = PEOPLE[0]


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int
    duplicates: int  # the same activity again, right behind the first (a double click)
    changes: int  # changed answers, in a second wave
    levels: tuple[int, ...]  # in-flight levels; the first is the one the bars apply to
    warm_up: int

    @property
    def submissions(self) -> int:
        return self.users + self.duplicates + self.changes


def config_for(quick: bool) -> Config:
    if quick:
        return Config(True, 200, 50, 50, (200,), 50)
    return Config(False, 1000, 250, 250, (200, 50), 150)


@dataclass(frozen=True)
class BurstResult:
    """One target's burst (both waves): throughput is submissions over the summed wall time."""

    target: str  # "sqlite x1", "postgresql x1", "postgresql x2", "echo bot"
    paired_with: str  # the advisor configuration (for the echo bot's runs)
    in_flight: int
    order: int
    submissions: int
    wall_seconds: float
    rps: float
    latency: Latency
    not_2xx: int
    statuses: dict[str, int]
    server_cpu: dict[str, float]  # per server process: CPU seconds / wall seconds
    postgres_cpu: float | None  # the servers' PostgreSQL backends, the same way
    bench_cpu: float  # this process: the client and the fake connector
    errors: list[str]


@dataclass
class Check:
    """What a burst left in the database, in the private chats and on the channel card."""

    target: str
    in_flight: int
    survey: str
    users: int
    expected_replaced: int
    counted: int | None = None  # count_responses right after the burst
    thanked: int = 0  # replies saying the answers are in
    updated: int = 0  # replies saying they were changed
    other_replies: int = 0  # anything else (closed, unknown, an apology): none expected
    card_count: int | None = None  # the last count the channel card showed
    card_updates: int = 0
    tally_problems: list[str] | None = None  # None until closed and compared

    def failures(self) -> list[str]:
        replies_ok = (
            self.thanked == self.users
            and self.updated == self.expected_replaced
            and self.other_replies == 0
        )
        failed = {
            "stored count": self.counted != self.users,
            "replies": not replies_ok,
            "card": self.card_count != self.users,
            "tally": self.tally_problems is None or bool(self.tally_problems),
        }
        return [name for name, bad in failed.items() if bad]


@dataclass(frozen=True)
class Report:
    config: Config
    postgres: str
    bursts: list[BurstResult]
    checks: list[Check]
    memory: dict[str, dict[str, Memory]]
    warm_up: dict[str, dict[str, int]]
    log_lines: dict[str, list[str]]
    passed: dict[str, bool]
    tree: str


# --- the workload -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Burst:
    waves: tuple[list[bytes], list[bytes]]
    expected: SurveyTally  # each person's last answers
    replaced: int  # submissions that replace an earlier answer: double submits and changes


class Driver:
    """What testing.flows.teams_pulse needs of a running server: activities and the fake."""

    def __init__(self, server: Server, connector: FakeConnector) -> None:
        self.teams = TeamsActivities(server.url, connector.base_url)
        self.connector = connector


@dataclass(frozen=True)
class Launched:
    survey: str
    card_id: str  # the channel card's message, which the live count updates
    questions: dict[str, list[str]]  # question id -> option ids, as the questions card offers


async def launch_survey(server: Server, connector: FakeConnector) -> Launched:
    """`@bot pulse` in a new thread of the General channel (testing.flows.teams_pulse),
    then "Answer privately" pressed once, for the questions card people answer."""
    driver = Driver(server, connector)
    launched = await launch(driver, person=LAUNCHER)  # type: ignore[arg-type]
    form = await open_form(driver, launched.survey_id, LAUNCHER, launched.thread)  # type: ignore[arg-type]
    return Launched(launched.survey_id, launched.card_id, form.options())


async def answer_body(
    builder: ActivityBuilder, survey: str, user: User, answers: Mapping[str, str]
) -> bytes:
    """ "Send my answers" in the person's private chat: the Action.Submit's data with the
    choice sets' values merged in, as Teams sends it."""
    return await builder.personal(user, None, answer_value(survey, answers), None)


async def build_burst(
    builder: ActivityBuilder,
    launched: Launched,
    users: Sequence[User],
    duplicates: int,
    changes: int,
    seed: int,
) -> Burst:
    """The Slack bench's plan (bench/pulse_burst.py `plan_burst`) as Teams activities."""
    people = {user.user_id: user for user in users}
    plan = plan_burst(launched.questions, list(people), duplicates, changes, seed)
    first = {
        user: await answer_body(builder, launched.survey, people[user], answers)
        for user, answers in plan.waves[0]
    }
    wave2 = [
        await answer_body(builder, launched.survey, people[user], answers)
        for user, answers in plan.waves[1]
    ]
    # In wave 1 a person only ever sends their first answers: a double submit is the same
    # activity again, id included, as a double click's redelivery would be.
    wave1 = [first[user] for user, _ in plan.waves[0]]
    return Burst((wave1, wave2), plan.expected, duplicates + changes)


# --- sending ------------------------------------------------------------------------------------


async def send_wave(
    session: aiohttp.ClientSession, servers: Sequence[Server], bodies: Sequence[bytes], limit: int
) -> tuple[list[Sample], float]:
    """Every body, at most `limit` in flight, round-robin over `servers`."""
    return await send_all(
        session, [server.url + MESSAGES_PATH for server in servers], bodies, limit
    )


async def run_burst(
    session: aiohttp.ClientSession,
    name: str,
    servers: Sequence[Server],
    burst: Burst,
    in_flight: int,
    order: int,
    paired_with: str = "",
    backends: Backends | None = None,
) -> BurstResult:
    meter = CpuMeter(servers, backends)
    await meter.start()
    samples: list[Sample] = []
    wall = 0.0
    for bodies in burst.waves:
        got, seconds = await send_wave(session, servers, bodies, in_flight)
        samples += got
        wall += seconds
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
        not_2xx=sum(1 for s in samples if s.status not in OK_STATUSES),
        statuses=statuses(samples),
        server_cpu=cpu.servers,
        postgres_cpu=cpu.postgres,
        bench_cpu=cpu.bench,
        errors=sorted({s.error for s in samples if s.error}),
    )


# --- reading what the bots sent -----------------------------------------------------------------


def reply_kind(call: ConnectorCall) -> str:
    text = json.dumps(call.body, ensure_ascii=False)
    if THANKS in text:
        return "thanked"
    if UPDATED in text:
        return "updated"
    if CLOSED_SURVEY in text or UNKNOWN_SURVEY in text:
        return "refused"
    return "other"


def card_count(calls: Sequence[ConnectorCall], card_id: str) -> tuple[int | None, int]:
    """The last live count shown on the channel card, and how many updates it got."""
    updates = [c for c in calls if c.operation == UPDATE and c.activity_id == card_id]
    found = COUNT.findall(json.dumps(updates[-1].body, ensure_ascii=False)) if updates else []
    return (int(found[-1]) if found else None), len(updates)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Run:
    config: Config
    connector: FakeConnector
    session: aiohttp.ClientSession
    builder: ActivityBuilder
    echo: Server
    bursts: list[BurstResult] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warm_up: dict[str, dict[str, int]] = field(default_factory=dict)
    expected: dict[str, SurveyTally] = field(default_factory=dict)

    async def warm(self, target: Target) -> list[bytes]:
        """Untimed: a survey of its own and `warm_up` answers over the target's processes."""
        launched = await launch_survey(target.servers[0], self.connector)
        users = [User.number(90_000 + n) for n in range(self.config.warm_up)]
        burst = await build_burst(self.builder, launched, users, 0, 0, SEED - 1)
        before = len(self.connector.calls())
        samples, _ = await send_wave(self.session, target.servers, burst.waves[0], 50)
        replies = Counter(
            reply_kind(c) for c in self.connector.calls()[before:] if c.operation in SENDING
        )
        self.warm_up[target.name] = dict(replies)
        if replies != Counter(thanked=len(users)) or any(
            s.status not in OK_STATUSES for s in samples
        ):
            raise RuntimeError(f"warm-up on {target.name}: {statuses(samples)}, {dict(replies)}")
        return burst.waves[0]

    async def warm_echo(self, bodies: Sequence[bytes]) -> None:
        samples, _ = await send_wave(self.session, [self.echo], bodies, 50)
        self.warm_up[self.echo.name] = statuses(samples)
        if any(s.status not in OK_STATUSES for s in samples):
            raise RuntimeError(f"warm-up on {self.echo.name}: {statuses(samples)}")

    async def pair(self, target: Target, in_flight: int, order: int) -> None:
        """One burst on the advisor configuration and the same bodies on the echo bot; which
        goes first alternates from pair to pair."""
        launched = await launch_survey(target.servers[0], self.connector)
        users = [User.number(n) for n in range(1, self.config.users + 1)]
        burst = await build_burst(
            self.builder,
            launched,
            users,
            self.config.duplicates,
            self.config.changes,
            SEED + order,
        )
        check = Check(target.name, in_flight, launched.survey, len(users), burst.replaced)
        self.checks.append(check)
        self.expected[f"{target.name}@{in_flight}"] = burst.expected
        steps = [
            lambda: self._advisor(target, burst, launched, check, in_flight, 2 * order),
            lambda: self._echo(target.name, burst, in_flight, 2 * order),
        ]
        for step in steps if order % 2 == 0 else reversed(steps):
            await step()

    async def _advisor(
        self,
        target: Target,
        burst: Burst,
        launched: Launched,
        check: Check,
        in_flight: int,
        order: int,
    ) -> None:
        before = len(self.connector.calls())
        result = await run_burst(
            self.session,
            target.name,
            target.servers,
            burst,
            in_flight,
            order,
            backends=target.backends,
        )
        self.bursts.append(result)
        check.counted = await target.repository.count_responses(check.survey)
        calls = self.connector.calls()[before:]
        kinds = Counter(reply_kind(c) for c in calls if c.operation in SENDING)
        check.thanked, check.updated = kinds["thanked"], kinds["updated"]
        check.other_replies = kinds["refused"] + kinds["other"]
        # The debounced live count lands on the card a window after the last answer.
        deadline = time.monotonic() + CARD_TIMEOUT_SECONDS
        while True:
            calls = self.connector.calls()[before:]
            check.card_count, check.card_updates = card_count(calls, launched.card_id)
            if check.card_count == check.users or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)

    async def _echo(self, paired_with: str, burst: Burst, in_flight: int, order: int) -> None:
        self.bursts.append(
            await run_burst(
                self.session,
                ECHO,
                [self.echo],
                burst,
                in_flight,
                order + 1,
                paired_with=paired_with,
            )
        )

    async def close_and_check(self, targets: Mapping[str, Target]) -> None:
        for check in self.checks:
            expected = self.expected[f"{check.target}@{check.in_flight}"]
            repository = targets[check.target].repository
            check.tally_problems = await closed_tally_problems(repository, check.survey, expected)


async def run(config: Config, workdir: Path, postgres: str | None) -> Report:
    levels = max(config.levels)
    admin, postgres_label = await postgres_admin(postgres)
    async with AsyncExitStack() as stack:
        connector = await stack.enter_async_context(FakeConnector())
        session = await stack.enter_async_context(
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=levels, limit_per_host=levels),
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
            )
        )
        if admin is not None:
            stack.push_async_callback(admin.close)
        processes = Processes(stack, session, workdir)
        targets = await advisor_targets(
            processes,
            [str(ADVISOR), "serve", "--dev"],
            lambda url: without_inherited(teams_env(url)),
            admin,
            postgres,
            "adv_bench_teams",
        )
        echo = await processes.start(
            ECHO, [sys.executable, str(ECHO_APP), "--reuse-clients"], teams_env("")
        )
        builder = ActivityBuilder("http://127.0.0.1", connector.base_url)
        bench = Run(config, connector, session, builder, echo)
        warm_bodies: list[bytes] = []
        for target in targets.values():
            if target.name != "postgresql x1":  # x2 warms both processes, A included
                bodies = await bench.warm(target)
                warm_bodies = warm_bodies or bodies
        await bench.warm_echo(warm_bodies)
        order = 0
        for in_flight in config.levels:
            for target in targets.values():
                await bench.pair(target, in_flight, order)
                order += 1
        processes.read_end()
        await bench.close_and_check(targets)
    passed = bar_verdicts(
        [(b.target, b.in_flight, b.rps, b.latency, b.not_2xx) for b in bench.bursts],
        config.levels[0],
    )
    passed["correct"] = all(not check.failures() for check in bench.checks)
    return Report(
        config=config,
        postgres=postgres_label,
        bursts=bench.bursts,
        checks=bench.checks,
        memory=processes.memory,
        warm_up=bench.warm_up,
        log_lines={server.name: server.log_lines() for server in processes.servers},
        passed=passed,
        tree=tree_state(),
    )


# --- report -------------------------------------------------------------------------------------


def print_report(report: Report) -> None:
    config = report.config
    print(
        f"Pulse survey bursts on Teams ({'quick' if config.quick else 'full'}; python "
        f"{platform.python_version()}; {os.cpu_count()} cores): {config.submissions:,} "
        f'"Send my answers" activities per burst from {config.users:,} people '
        f"({config.duplicates} double submits, {config.changes} changed answers in a second wave)"
    )
    print(
        f"advisor: `advisor serve --dev` (tree {report.tree}) on SQLite (1 process) and "
        f"PostgreSQL (1 and 2 processes; {report.postgres}); echo bot: botbuilder, clients "
        "reused, echoing the same activities; pairs interleaved."
    )
    for in_flight in config.levels:
        print(f"\n   {in_flight} in flight")
        print(
            f"   {'target':22}{'subm.':>6}{'resp/s':>8}{'p50':>10}{'p99':>10}{'max':>10}"
            f"{'not 2xx':>8}  cpu: servers | postgres (bench)"
        )
        level = [b for b in report.bursts if b.in_flight == in_flight]
        for ours in (b for b in level if b.target != ECHO):
            echo = next(b for b in level if b.target == ECHO and b.paired_with == ours.target)
            for burst, label in ((ours, ours.target), (echo, "  echo bot (paired)")):
                print(
                    f"   {label:22}{burst.submissions:>6}{burst.rps:>8.0f}"
                    f"{burst.latency.p50:>7.0f} ms{burst.latency.p99:>7.0f} ms"
                    f"{burst.latency.max:>7.0f} ms{burst.not_2xx:>8}  {_cpu(burst)}"
                )
            print(
                f"   {'  advisor / echo':22}{'':6}{ours.rps / echo.rps:>7.2f}x"
                f"{ours.latency.p50 / echo.latency.p50:>9.1f}x"
                f"{ours.latency.p99 / echo.latency.p99:>9.1f}x"
            )
    print("\n   correctness (advisor bursts):")
    for check in report.checks:
        failures = check.failures()
        print(
            f"   {check.target:14} @{check.in_flight:<4} stored {check.counted}/{check.users}, "
            f"thanked {check.thanked}/{check.users}, updated {check.updated}/"
            f"{check.expected_replaced}, other replies {check.other_replies}; card shows "
            f"{check.card_count} ({check.card_updates} updates); tally after close = last "
            f"answers: {'PASS' if not failures else 'FAIL ' + ', '.join(failures)}"
        )
        for problem in (check.tally_problems or [])[:LOG_LINES_SHOWN]:
            print(f"      {problem}")
    print(f"   warm-up (untimed): {report.warm_up}")
    print_memory_table(report.memory)
    errors = {s: lines for s, lines in report.log_lines.items() if _unexpected(lines)}
    for name, lines in errors.items():
        print(f"\n   {name} logged:")
        for line in _unexpected(lines)[:LOG_LINES_SHOWN]:
            print(f"      {line}")
    print()
    bar = config.levels[0]
    for key, passed in report.passed.items():
        verdict = "PASS" if passed else "FAIL"
        if key.startswith("rps"):
            burst = _bar_burst(report, key, bar)
            print(
                f"   bar: postgresql {key[4:]} >= {RPS_BAR:.0f} responses/s at {bar} in flight "
                f"({burst.rps:.0f}/s): {verdict}"
            )
        elif key.startswith("p99"):
            burst = _bar_burst(report, key, bar)
            print(
                f"   bar: postgresql {key[4:]} p99 < {P99_BAR_MS:.0f} ms, every activity 2xx "
                f"({burst.latency.p99:.0f} ms, {burst.not_2xx} not 2xx): {verdict}"
            )
        else:
            print(f"   check: every count, reply, card and tally as expected: {verdict}")


def _bar_burst(report: Report, key: str, in_flight: int) -> BurstResult:
    name = f"postgresql {key.split(' ')[1]}"
    return next(b for b in report.bursts if b.target == name and b.in_flight == in_flight)


def _cpu(burst: BurstResult) -> str:
    return f"{cpu_columns(burst.server_cpu, burst.postgres_cpu)} ({burst.bench_cpu:.0%})"


def _unexpected(lines: Sequence[str]) -> list[str]:
    known = (*EXPECTED_LOG_LINES, "======== Running on")
    return [line for line in lines if line.strip() and not any(k in line for k in known)]


def write_json(report: Report, path: Path) -> None:
    path.write_text(json.dumps(asdict(report), indent=2, default=str) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_arguments(__doc__)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL URL on 127.0.0.1 (default: TEST_DATABASE_URL or the local `test`)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    config = config_for(args.quick)
    with tempfile.TemporaryDirectory(prefix="advisor-pulse-teams-") as workdir:
        report = asyncio.run(
            run(config, Path(workdir), None if args.no_postgres else args.postgres)
        )
    print_report(report)
    if args.json:
        write_json(report, args.json)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
