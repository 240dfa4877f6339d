"""The report of `bench.pulse_burst_teams`: each burst beside the echo bot's, what each advisor
burst left behind, memory, unexpected log lines, and the bars."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bench.harness.reporting import LOG_LINES_SHOWN, print_memory_table
from bench.harness.teams import EXPECTED_LOG_LINES
from bench.pulse.measures import P99_BAR_MS, RPS_BAR, cpu_columns
from bench.pulse.teams_figures import ECHO, BurstResult, Report


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
