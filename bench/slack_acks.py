"""Benchmark Slack acknowledgements: signed button presses against the running server (SQLite),
next to a bare slack-bolt app that only acks, interleaved in the same run.

    python -m bench.slack_acks            # full run: 400 users x 5 rounds, 200 presses in flight
    python -m bench.slack_acks --quick    # a short smoke run
    python -m bench.slack_acks --json out.json

Everything listens on 127.0.0.1: the fake Slack Web API runs in this process, `advisor serve`
and bench/bare_bolt_app.py run as separate processes. See bench/README.md ("Slack
acknowledgements") for the method and how to read the report.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.harness import REPO_ROOT
from bench.harness.measure import Sample, read_memory
from bench.harness.processes import (
    ADVISOR,
    Server,
    bench_module,
    start_server,
    stop_server,
    wait_healthy,
)
from bench.harness.reporting import bench_arguments, tree_state
from bench.harness.slack import (
    BARE_TOKEN,
    EVENTS_PATH,
    REQUEST_TIMEOUT_SECONDS,
    Signer,
    server_env,
    user_id,
)
from bench.throughput.slack_figures import (
    P99_BAR_MS,
    RSS_BAR_MB,
    THROUGHPUT_BAR,
    Config,
    Drains,
    Report,
    RoundResult,
    TargetResult,
)
from bench.throughput.slack_presses import (
    count_calls,
    drain,
    press_bodies,
    send_all,
    start_command_bodies,
    target_result,
    timed_round,
)
from bench.throughput.slack_report import print_report, write_json
from bot.knowledge import load_knowledge
from testing.fakes.slack_api import FakeSlackApi


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
            bare = start_server("bare bolt", bench_module("bare_bolt_app"), bare_env, workdir)
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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return bench_arguments(__doc__).parse_args(argv)


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
