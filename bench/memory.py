"""Memory under sustained traffic: does the server's resident memory level off (caches that
fill and stop growing) or keep growing with every round (a leak, or a cache without a bound)?

    python -m bench.memory             # `advisor serve --dev`, 10 rounds x 2,000 requests
    python -m bench.memory --quick     # 4 rounds x 500, a smoke run
    python -m bench.memory --trace     # the same app built in a child of this script, under
                                       # tracemalloc: what grew after round 2, by line, and
                                       # which caches grew (entries and bound)

Everything listens on 127.0.0.1: the fake Slack Web API and the fake Teams connector run in
this process, the server in another. Every round brings new people (Slack and Teams), valid
and malformed Slack and Teams requests, and refused admin calls. See bench/README.md
("Memory under sustained traffic") for the workload and how to read the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from bench.harness.measure import read_memory
from bench.harness.processes import HOST, free_port
from bench.traffic.posted import answer_buttons
from bench.traffic.report import Config, Report, RoundResult, print_report
from bench.traffic.requests import send_all, slack_dm_channel
from bench.traffic.server import Target, bench_call, subprocess_server
from bench.traffic.tracing import EARLY, LATE, TRACE_FRAMES, print_census, print_trace, serve_traced
from bench.traffic.workload import UNREACHABLE, Mix, Workload, mix_for
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.teams_connector import FakeConnector

REQUEST_TIMEOUT_SECONDS = 60.0
QUIET_SECONDS = 0.7  # the background work has drained when the fakes hear nothing this long
DRAIN_TIMEOUT_SECONDS = 60.0


async def drain(
    api: FakeSlackApi, connector: FakeConnector, channels: Sequence[str] = (), posts: int = 0
) -> bool:
    """Wait until the bot has posted `posts` messages with answer buttons to each of
    `channels` (the people's DMs) and then until neither fake has heard anything for
    QUIET_SECONDS; False when that takes over DRAIN_TIMEOUT_SECONDS (work was turned away)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    wanted = set(channels)
    questions: Counter[str] = Counter()
    scanned = 0
    while wanted and posts:
        calls = api.calls()
        for call in calls[scanned:]:
            channel = str(call.params.get("channel"))
            if call.method == "chat.postMessage" and channel in wanted and answer_buttons(call):
                questions[channel] += 1
        scanned = len(calls)
        if all(questions[channel] >= posts for channel in wanted):
            break
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)

    def heard() -> int:
        return len(api.calls()) + len(connector.calls())

    seen, changed = heard(), time.monotonic()
    while time.monotonic() - changed < QUIET_SECONDS:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
        if (count := heard()) != seen:
            seen, changed = count, time.monotonic()
    return True


def forget_traffic(api: FakeSlackApi, connector: FakeConnector) -> None:
    """The fakes keep every call they receive; a round's are not needed after it (and must not
    show as growth of this process under --trace)."""
    api.clear()
    api._answers.clear()  # keyed by id(call): the calls are gone
    connector.clear()


async def run(config: Config, workdir: Path) -> Report:
    mix = mix_for(config.requests)
    async with FakeSlackApi() as api, FakeConnector() as connector:
        workload = Workload(api, connector, mix, config.seed, f"http://{HOST}:{free_port()}")
        async with subprocess_server(workdir, api, config.trace) as target:
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
            limits = aiohttp.TCPConnector(limit=config.in_flight)
            async with aiohttp.ClientSession(timeout=timeout, connector=limits) as session:
                return await rounds(config, mix, workload, target, session)


async def rounds(
    config: Config, mix: Mix, workload: Workload, target: Target, session: aiohttp.ClientSession
) -> Report:
    api, connector = workload.api, workload.connector
    await drain(api, connector)
    forget_traffic(api, connector)
    results = [RoundResult(0, 0, 0.0, read_memory(target.pid))]
    statuses: Counter[tuple[str, str]] = Counter()
    early_round = min(config.trace_after, config.rounds - 1)
    print(f"{'round':>5} {'requests':>8} {'seconds':>8} {'RSS MB':>8}  (running)", flush=True)
    for number in range(1, config.rounds + 1):
        started = time.monotonic()
        sent = 0
        requests = await workload.opening(number)
        # Turns that reply to a serviceUrl where nothing listens take about 5 s (the SDK's
        # retries): sent alongside the whole round rather than holding up its first phase.
        slow = [request for request in requests if request.kind == UNREACHABLE]
        slow_sent = asyncio.create_task(send_all(session, target.base, slow, config.in_flight))
        requests = [request for request in requests if request.kind != UNREACHABLE]
        statuses += await send_all(session, target.base, requests, config.in_flight)
        sent += len(requests)
        dms = [slack_dm_channel(user) for user in workload.slack_people(number)]
        drained = await drain(api, connector, dms, posts=1)
        requests, missing = await workload.pressing(number)
        statuses += await send_all(session, target.base, requests, config.in_flight)
        sent += len(requests)
        drained &= await drain(api, connector, dms, posts=2)
        requests, missing_typed = await workload.typing(number)
        statuses += await send_all(session, target.base, requests, config.in_flight)
        sent += len(requests) + len(slow)
        statuses += await slow_sent
        drained &= await drain(api, connector)
        forget_traffic(api, connector)
        del requests
        memory = read_memory(target.pid)
        seconds = time.monotonic() - started
        results.append(RoundResult(number, sent, seconds, memory, missing + missing_typed, drained))
        print(f"{number:>5} {sent:>8} {seconds:>8.1f} {memory.rss_mb:>8.1f}", flush=True)
        if config.trace and number == early_round:
            # Only what is allocated from now on is compared, so tracing starts now: the
            # first rounds run at full speed.
            await bench_call(session, target, f"start?frames={config.frames}")
            await bench_call(session, target, f"snapshot?name={EARLY}")
    report = Report(config, mix, target.describe, results, statuses, target.log_summary())
    print_report(report)
    if config.trace:
        await bench_call(session, target, f"snapshot?name={LATE}")
        workdir = target.log.parent if target.log else Path.cwd()
        early = tracemalloc.Snapshot.load(str(workdir / EARLY))
        late = tracemalloc.Snapshot.load(str(workdir / LATE))
        print_trace(early, late, early_round, config.rounds)
        print_census(
            json.loads((workdir / f"{EARLY}.json").read_text(encoding="utf-8")),
            json.loads((workdir / f"{LATE}.json").read_text(encoding="utf-8")),
        )
    return report


def parse_args(argv: Sequence[str] | None) -> Config:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="4 rounds of 500 requests")
    parser.add_argument("--rounds", type=int, help="rounds of traffic (default 10)")
    parser.add_argument(
        "--requests", type=int, help="requests per round (default 2000; 400 with --trace)"
    )
    parser.add_argument("--in-flight", type=int, default=50, help="requests at once (default 50)")
    parser.add_argument(
        "--trace",
        action="store_true",
        help="trace the server's allocations (tracemalloc) and show what grew after round 2",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=TRACE_FRAMES,
        help=f"frames per traced allocation (default {TRACE_FRAMES})",
    )
    parser.add_argument(
        "--trace-after",
        type=int,
        default=2,
        metavar="N",
        help="with --trace: start tracing after round N (default 2), e.g. once caches are full",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (4 if args.quick else 10)
    requests = args.requests or (500 if args.quick else 400 if args.trace else 2000)
    if rounds < 2 or requests < 100:
        parser.error("at least 2 rounds of 100 requests")
    if args.trace_after < 1:
        parser.error("--trace-after is at least 1")
    return Config(
        rounds, requests, args.in_flight, args.trace, args.frames, max(1, args.trace_after)
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--serve-traced"]:  # the child of --trace
        return serve_traced()
    config = parse_args(arguments)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as directory:
        try:
            asyncio.run(run(config, Path(directory)))
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
