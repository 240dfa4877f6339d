"""What the memory benchmark records and prints: its configuration, memory after each round,
the growth of the last rounds against the first, how every kind of request was answered, and
what the server logged."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.harness.measure import Memory
from bench.traffic.tracing import TRACE_FRAMES
from bench.traffic.workload import Mix

# Verdict thresholds on growth(second half of the rounds) / growth(first half).
LEVELS_OFF_BELOW = 0.25
KEEPS_GROWING_ABOVE = 0.75


@dataclass(frozen=True)
class Config:
    rounds: int
    requests: int  # per round, all kinds together
    in_flight: int
    trace: bool
    frames: int = TRACE_FRAMES
    trace_after: int = 2  # the round after which tracing starts (the first snapshot)
    seed: int = 13

    @property
    def half(self) -> int:
        return max(1, self.rounds // 2)


@dataclass
class RoundResult:
    number: int  # 0: idle, before any traffic
    requests: int
    seconds: float
    memory: Memory
    missing: int = 0  # people the bot had posted no question to (the flow went off course)
    drained: bool = True


@dataclass
class Report:
    config: Config
    mix: Mix
    target: str
    rounds: list[RoundResult]
    statuses: Counter[tuple[str, str]]
    log_summary: list[tuple[int, str]]


def growth_ratio(results: Sequence[RoundResult], half: int) -> tuple[float, float, float]:
    """(growth over the first `half` rounds, over the last `half`, their ratio), in MB."""
    rss = [result.memory.rss_mb for result in results]
    first = rss[min(half, len(rss) - 1)] - rss[0]
    last = rss[-1] - rss[max(0, len(rss) - 1 - half)]
    ratio = last / first if first > 0 else math.inf if last > 0 else 0.0
    return first, last, ratio


def verdict(ratio: float) -> str:
    if ratio < LEVELS_OFF_BELOW:
        return "levels off: caches filling early, about nothing grows later (no leak)"
    if ratio > KEEPS_GROWING_ABOVE:
        return "keeps growing at about the same pace: a leak or an unbounded cache"
    return "slowing but still growing: caches with a large bound still filling, or a slow leak"


def print_report(report: Report) -> None:
    config, mix = report.config, report.mix
    print(
        f"\nMemory under sustained traffic: {report.target}; {config.rounds} rounds of about "
        f"{mix.total:,} requests, {config.in_flight} in flight"
    )
    print(
        f"per round: Slack {mix.slack_people} new people x (start, press, typed answer), "
        f"{mix.slack_chatter} chatter DMs, {mix.slack_redelivered} redeliveries, "
        f"{mix.slack_malformed} malformed; Teams {mix.teams_people} new people x (start, submit, "
        f"typed answer), {mix.teams_chatter} chatter, {mix.teams_redelivered} redeliveries, "
        f"{mix.teams_malformed} malformed, {mix.teams_unreachable} unreachable serviceUrl; "
        f"{mix.admin_refused} refused admin calls, "
        f"{mix.odd_methods} odd methods"
    )
    columns = ("round", "requests", "seconds", "RSS MB", "growth MB", "peak MB")
    widths = (5, 8, 8, 8, 10, 8)
    print("\n" + " ".join(f"{name:>{width}}" for name, width in zip(columns, widths, strict=True)))
    previous: float | None = None
    for result in report.rounds:
        growth = "" if previous is None else f"{result.memory.rss_mb - previous:+10.1f}"
        name = "idle" if result.number == 0 else str(result.number)
        notes = []
        if result.missing:
            notes.append(f"{result.missing} without a question")
        if not result.drained:
            notes.append("not drained")
        print(
            f"{name:>5} {result.requests:>8} {result.seconds:>8.1f} {result.memory.rss_mb:>8.1f} "
            f"{growth:>10} {result.memory.hwm_mb:>8.1f}  {', '.join(notes)}".rstrip()
        )
        previous = result.memory.rss_mb
    half = config.half
    first, last, ratio = growth_ratio(report.rounds, half)
    print(
        f"\ngrowth over rounds 1-{half}: {first:+.1f} MB; over rounds "
        f"{config.rounds - half + 1}-{config.rounds}: {last:+.1f} MB"
    )
    sent = sum(result.requests for result in report.rounds[-half:])
    if sent:
        print(f"late growth per request: {last * 1024 * 1024 / sent:,.0f} bytes")
    print(f"ratio growth(last {half}) / growth(first {half}): {ratio:.2f} -> {verdict(ratio)}")
    if config.trace:
        print(
            f"(traced: from round {min(config.trace_after, config.rounds - 1) + 1} on the RSS "
            "includes tracemalloc's own bookkeeping; read the growth below, not this ratio)"
        )
    print_statuses(report.statuses)
    if report.log_summary:
        print("\nthe server's log, lines by kind:")
        for count, line in report.log_summary:
            print(f"  {count:>6}  {line}")


def print_statuses(statuses: Counter[tuple[str, str]]) -> None:
    kinds: dict[str, Counter[str]] = {}
    for (kind, status), count in statuses.items():
        kinds.setdefault(kind, Counter())[status] += count
    print("\nanswers over all rounds, by kind of request:")
    for kind in sorted(kinds):
        answered = ", ".join(f"{status} x{count}" for status, count in sorted(kinds[kind].items()))
        print(f"  {kind:<42} {answered}")
