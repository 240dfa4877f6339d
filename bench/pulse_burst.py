"""Benchmark pulse survey answers: a burst of signed answer submissions against the running
server on SQLite and PostgreSQL (one process, and two behind the same client), next to a bare
slack-bolt app that acks the same bodies, interleaved; then the time to compute the results
of a survey with 10,000 responses, next to fetching every answer and counting in Python.

    python -m bench.pulse_burst                 # full run: 2,000 users, 3,000 submissions/burst
    python -m bench.pulse_burst --quick         # a short smoke run
    python -m bench.pulse_burst --json out.json
    python -m bench.pulse_burst --postgres URL  # default: TEST_DATABASE_URL or the local `test`
    python -m bench.pulse_burst --no-postgres
    python -m bench.pulse_burst --profile DIR   # py-spy each advisor process during its bursts

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
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.harness import REPO_ROOT
from bench.harness.measure import Latency, statuses
from bench.harness.postgres import DEFAULT_POSTGRES_URL, Backends, postgres_admin
from bench.harness.processes import ADVISOR, Processes, Server, bench_module
from bench.harness.reporting import bench_arguments, tree_state
from bench.harness.slack import (
    BARE_TOKEN,
    EVENTS_PATH,
    REQUEST_TIMEOUT_SECONDS,
    Signer,
    server_env,
    user_id,
)
from bench.pulse.measures import CpuMeter, bar_verdicts
from bench.pulse.plan import SEED
from bench.pulse.profiler import Profiler
from bench.pulse.results import (
    RESULTS_BAR_MS,
    RESULTS_RESPONSES,
    ResultsTiming,
    postgres_results_timing,
    results_timing,
)
from bench.pulse.slack_answers import (
    Burst,
    build_burst,
    launch_survey,
    outcome_of,
    send_wave,
    submit,
    wait_for_card,
)
from bench.pulse.slack_figures import (
    BurstResult,
    Check,
    Config,
    Report,
    Submission,
    Wave,
    config_for,
)
from bench.pulse.slack_report import print_report, write_json
from bench.pulse.targets import Target, advisor_targets, closed_tally_problems, without_inherited
from bot.knowledge import load_knowledge
from storage.pulse import SurveyTally
from testing.fakes.slack_api import ApiCall, FakeSlackApi


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
        check.counted = await target.repository.pulse.count_responses(check.survey)
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


def advisor_env(signing_secret: str, api_url: str, database_url: str) -> dict[str, str]:
    """As `bench.slack_acks`' servers get theirs, `without_inherited`."""
    return without_inherited(server_env(signing_secret, api_url, database_url))


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
            "bare bolt", bench_module("bare_bolt_views", "--view", str(view_file)), bare_env
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
        results.append(await postgres_results_timing(postgres, knowledge, config.results_repeats))
    return _report(config, postgres_label, admin is not None, bench, processes, results)


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
