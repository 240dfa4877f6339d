"""Benchmark pulse survey answers on Teams: a burst of "Send my answers" submissions (the
Action.Submit activities of people's private chats with the bot) against `advisor serve --dev`
on SQLite and PostgreSQL (one process, and two behind the same client), next to a botbuilder
echo bot on the same activities, interleaved.

    python -m bench.pulse_burst_teams                 # 1,000 people, 1,500 activities per burst
    python -m bench.pulse_burst_teams --quick         # a short smoke run
    python -m bench.pulse_burst_teams --json out.json
    python -m bench.pulse_burst_teams --postgres URL  # default: TEST_DATABASE_URL or local `test`
    python -m bench.pulse_burst_teams --no-postgres

Everything listens on 127.0.0.1: the fake Bot Framework connector runs in this process,
`advisor serve --dev` and bench/echo_bot_app.py run as separate processes. See bench/README.md
("Pulse survey bursts on Teams") for the method and how to read the report.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.harness.measure import Latency, Sample, statuses
from bench.harness.postgres import DEFAULT_POSTGRES_URL, Backends, postgres_admin
from bench.harness.processes import ADVISOR, Processes, Server, bench_module
from bench.harness.reporting import bench_arguments, tree_state
from bench.harness.teams import OK_STATUSES, REQUEST_TIMEOUT_SECONDS, ActivityBuilder, User
from bench.harness.teams import server_env as teams_env
from bench.pulse.measures import CARD_TIMEOUT_SECONDS, CpuMeter, bar_verdicts
from bench.pulse.plan import SEED
from bench.pulse.targets import Target, advisor_targets, closed_tally_problems, without_inherited
from bench.pulse.teams_answers import (
    Burst,
    Launched,
    build_burst,
    card_count,
    launch_survey,
    reply_kind,
    send_wave,
)
from bench.pulse.teams_figures import ECHO, BurstResult, Check, Config, Report, config_for
from bench.pulse.teams_report import print_report, write_json
from storage.pulse import SurveyTally
from testing.fakes.teams_connector import SENDING, FakeConnector


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
        steps: list[Callable[[], Awaitable[None]]] = [
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
        check.counted = await target.repository.pulse.count_responses(check.survey)
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
            ECHO, bench_module("echo_bot_app", "--reuse-clients"), teams_env("")
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
