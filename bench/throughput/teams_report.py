"""The report of `bench.teams_throughput`: the three targets at each in-flight level, each
round, memory, the replies sent to the connector, anything logged, and the bar."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from bench.harness.reporting import LOG_LINES_SHOWN, print_memory_table, verdict, write_figures
from bench.harness.teams import EXPECTED_LOG_LINES
from bench.throughput.teams_figures import (
    THROUGHPUT_BAR,
    LevelResult,
    Report,
    TargetResult,
    rate_ratio,
)


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
    printratio(
        "advisor / echo",
        level.throughput_ratio,
        level.advisor,
        level.echo,
        f"THE BAR (>= {THROUGHPUT_BAR:.2f}x): vs the SDK as shipped",
    )
    printratio(
        "advisor / echo reuse",
        level.reuse_ratio,
        level.advisor,
        level.echo_reuse,
        "the advisor's own work, same client reuse; no bar",
    )


def printratio(
    label: str, throughput: float, ours: TargetResult, theirs: TargetResult, note: str
) -> None:
    a, e = ours.latency, theirs.latency
    print(
        f"   {label:22}{'':11}{throughput:8.2f}x{rate_ratio(a.p50, e.p50):10.1f}x"
        f"{rate_ratio(a.p99, e.p99):10.1f}x{rate_ratio(a.max, e.max):10.1f}x   {note}"
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
            f"{verdict(level.passed)}"
        )
    for level in report.levels:
        print(
            f"   report only, at {level.in_flight} in flight: advisor activities/s are "
            f"{level.reuse_ratio:.0%} of echo reuse's (the price of the advisor's own work "
            "on the same client reuse; no bar)"
        )
    bad = sum(r.non_2xx for level in report.levels for r in level.targets)
    print(f"   every activity answered 200/201/202 ({bad} not): {verdict(bad == 0)}")


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
        f"advisor: `advisor serve --dev` on {config.database} (tree {report.tree}); echo bot: "
        "botbuilder ActivityHandler that only echoes, SDK authentication as shipped (new "
        "connector clients every turn);"
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
    write_figures(
        path,
        asdict(report),
        quick=report.config.quick,
        units={"time": "ms", "wall_seconds": "s", "memory": "MB", "reply_bytes": "B"},
        bars={"throughput_ratio": THROUGHPUT_BAR},  # reuse_ratio: reported, no bar
    )
