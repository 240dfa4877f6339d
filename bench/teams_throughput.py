"""Benchmark Teams activities: the advisor, a stock echo bot and an echo bot reusing clients.

Action.Submit answers through /api/messages of the running server (`advisor serve --dev`,
SQLite), interleaved in the same run with a botbuilder bot that only echoes, twice: "echo bot"
with the SDK's authentication as shipped (new connector clients every turn) and "echo reuse"
with the advisor's `ReusingAuthentication` around it (clients kept between turns, as the advisor
does). The replies of all three go to a local fake connector service.

    python -m bench.teams_throughput            # full run: 300 users, 5 rounds at 50 and at 200
    python -m bench.teams_throughput --quick    # a short smoke run
    python -m bench.teams_throughput --json out.json
    python -m bench.teams_throughput --postgres postgresql://postgres@127.0.0.1:5432/test
                                    # the advisor on PostgreSQL (a scratch schema, dropped after)

Everything listens on 127.0.0.1: the fake connector (testing/fakes/teams_connector.py) runs in
this process, `advisor serve --dev` and bench/echo_bot_app.py (twice) run as separate processes.
See bench/README.md ("Teams activities") for the method and how to read the report.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp

from bench.harness import REPO_ROOT
from bench.harness.measure import Latency, Sample, cpu_seconds, read_memory, statuses
from bench.harness.postgres import admin_connection, fresh_schema, local_postgres, schema_url
from bench.harness.processes import (
    ADVISOR,
    Server,
    bench_module,
    start_server,
    stop_server,
    wait_healthy,
)
from bench.harness.reporting import bench_arguments, tree_state
from bench.harness.teams import (
    MESSAGES_PATH,
    OK_STATUSES,
    REQUEST_TIMEOUT_SECONDS,
    ActivityBuilder,
    User,
    send_all,
    server_env,
)
from bench.throughput.teams_cards import (
    Answering,
    answer_bodies,
    body_bytes,
    count_operations,
    non_2xx,
    question_cards,
    sent_activities,
    start_bodies,
)
from bench.throughput.teams_figures import (
    THROUGHPUT_BAR,
    Answers,
    Config,
    LevelResult,
    QuestionCard,
    Report,
    RoundResult,
    TargetResult,
    WarmUp,
    rate_ratio,
)
from bench.throughput.teams_report import print_report, write_json
from bot.knowledge import load_knowledge
from storage.url import redacted
from testing.fakes.teams_connector import ConnectorCall, FakeConnector


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


def start_servers(processes: ExitStack, workdir: Path, database_url: str) -> Servers:
    """The advisor and both echo bots, each stopped when `processes` closes, whatever happens."""
    env = server_env(database_url)
    commands = {
        "advisor": [str(ADVISOR), "serve", "--dev"],
        "echo bot": bench_module("echo_bot_app"),
        "echo reuse": bench_module("echo_bot_app", "--reuse-clients"),
    }
    started = []
    for name, argv in commands.items():
        server = start_server(name, argv, env, workdir)
        processes.callback(stop_server, server)
        started.append(server)
    advisor, echo, echo_reuse = started
    return Servers(advisor, echo, echo_reuse)


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
        ratio = rate_ratio(advisor.rate, echo.rate)
        return LevelResult(
            in_flight=in_flight,
            advisor=advisor,
            echo=echo,
            echo_reuse=echo_reuse,
            throughput_ratio=ratio,
            reuse_ratio=rate_ratio(advisor.rate, echo_reuse.rate),
            passed=ratio >= THROUGHPUT_BAR,
        )


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


async def run(config: Config, workdir: Path, postgres: str | None = None) -> Report:
    """The run on a SQLite file in `workdir`, or in a scratch schema of `postgres`."""
    if postgres is None:
        return await run_on(config, workdir, f"sqlite:///{workdir / 'bench.db'}")
    refused = local_postgres(postgres)
    if refused is not None:
        raise ValueError(f"--postgres {redacted(postgres)}: {refused}")
    admin = await admin_connection(postgres)
    try:
        async with fresh_schema(admin, "advisor_bench_teams") as schema:
            url = schema_url(postgres, schema, "advisor-bench-teams")
            return await run_on(config, workdir, url)
    finally:
        await admin.close()


async def run_on(config: Config, workdir: Path, database_url: str) -> Report:
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
            servers = start_servers(processes, workdir, database_url)
            report = await measure(config, connector, session, servers, question_ids)
    # Read after the servers stopped, so errors on shutdown are shown too.
    return replace(
        report,
        log_lines={server.name: server.log_lines() for server in servers.all},
        exit_codes={server.name: server.process.returncode for server in servers.all},
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = bench_arguments(__doc__)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run the advisor on this PostgreSQL server (on 127.0.0.1), not on a SQLite file",
    )
    return parser.parse_args(argv)


def config_for(quick: bool, database: str = "SQLite") -> Config:
    if quick:
        return Config(quick=True, users=100, rounds=2, levels=(50,), database=database)
    return Config(quick=False, users=300, rounds=5, levels=(50, 200), database=database)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = config_for(args.quick, "PostgreSQL" if args.postgres else "SQLite")
    with tempfile.TemporaryDirectory(prefix="advisor-bench-teams-") as workdir:
        report = asyncio.run(run(config, Path(workdir), args.postgres))
    print_report(report)
    if args.json:
        write_json(report, args.json)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
