"""The report of `bench.slack_acks`: both targets side by side, each round, memory, the
advisor's work behind its acknowledgements, anything logged, and the bars."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict
from pathlib import Path

from bench.harness.reporting import LOG_LINES_SHOWN, print_memory_table, verdict, write_figures
from bench.throughput.slack_figures import P99_BAR_MS, RSS_BAR_MB, THROUGHPUT_BAR, Report
from bench.throughput.slack_presses import DRAIN_TIMEOUT_SECONDS


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
        f"({report.throughput_ratio:.0%}): {verdict(report.passed['throughput'])}"
    )
    print(
        f"   bar: p99 ack < {P99_BAR_MS:g} ms, every answer 200 ({advisor.latency.p99:.1f} ms, "
        f"{advisor.non_200} not 200): {verdict(report.passed['p99'])}"
    )
    rss = verdict(report.passed["rss"])
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
    write_figures(
        path,
        asdict(report),
        quick=report.config.quick,
        units={"time": "ms", "wall_seconds": "s", "memory": "MB", "drains": "s"},
        bars={"throughput_ratio": THROUGHPUT_BAR, "p99_ms": P99_BAR_MS, "rss_mb": RSS_BAR_MB},
    )
