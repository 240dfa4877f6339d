"""The report of `bench.pulse_burst`: each burst beside the bare app's, per wave, what each
advisor burst left behind, the results of 10,000 responses, memory, logs, and the bars."""

from __future__ import annotations

import os
import platform
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bench.harness.reporting import LOG_LINES_SHOWN, print_memory_table, verdict, write_figures
from bench.pulse.measures import CARD_TIMEOUT_SECONDS, P99_BAR_MS, RPS_BAR, cpu_columns
from bench.pulse.results import RESULTS_BAR_MS, RESULTS_RESPONSES
from bench.pulse.slack_figures import Report

STAMPED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # a log record's first line
# Log lines that say nothing about the run: the advisor's banner, the bare app's token notice.
KNOWN_LINES = ("AI Ownership Advisor on ", "As you gave `client` as well, `token` will be unused.")


def print_bursts(report: Report) -> None:
    columns = (
        f"{'subm.':>6}{'resp/s':>8}{'p50':>10}{'p99':>10}{'max':>10}{'non-200':>8}  "
        "cpu: servers | postgres (bench, others)"
    )
    for level in report.config.levels:
        print(f"\n   {level} in flight")
        print(f"   {'target':22}{columns}")
        advisors = [b for b in report.bursts if b.in_flight == level and not b.paired_with]
        for advisor in sorted(advisors, key=lambda b: b.order):
            bare = next(
                b for b in report.bursts if b.in_flight == level and b.paired_with == advisor.target
            )
            for burst in (advisor, bare):
                lat = burst.latency
                name = burst.target if burst is advisor else "  bare bolt (paired)"
                print(
                    f"   {name:22}{burst.submissions:6d}{burst.rps:8.0f}{lat.p50:7.0f} ms"
                    f"{lat.p99:7.0f} ms{lat.max:7.0f} ms{burst.non_200:8d}  "
                    f"{cpu_columns(burst.server_cpu, burst.postgres_cpu)} "
                    f"({burst.bench_cpu:.0%}, {burst.other_cpu:.0%})"
                )
            a, b = advisor.latency, bare.latency
            print(
                f"   {'  advisor / bare':22}{'':6}{advisor.rps / bare.rps:7.2f}x"
                f"{a.p50 / b.p50:9.1f}x{a.p99 / b.p99:9.1f}x{a.max / b.max:9.1f}x"
            )


def print_waves(report: Report) -> None:
    print("\n   per burst, in the order run (wave 1: first answers and double submits; wave 2:")
    print("   changed answers, sent once wave 1 is all answered):")
    for burst in sorted(report.bursts, key=lambda b: b.order):
        waves = "; ".join(
            f"{w.submissions} in {w.wall_seconds:5.2f} s = {w.rps:4.0f}/s, "
            f"p99 {w.latency.p99:5.0f} ms"
            for w in burst.waves
        )
        name = f"{burst.target} ({burst.paired_with})" if burst.paired_with else burst.target
        print(f"   {burst.order + 1:2d} {name:30} @{burst.in_flight:<4d}{waves}")
        if burst.postgres_states:
            states = ", ".join(
                f"{state} {share:.0%}" for state, share in burst.postgres_states.items()
            )
            print(f"      postgres backends: {states}")


def print_checks(report: Report) -> None:
    print("\n   correctness (advisor bursts):")
    for check in report.checks:
        updates = f"{check.card_updates} update{'' if check.card_updates == 1 else 's'}"
        card = (
            f"card shows {check.card_count} ({updates}, the last {check.card_seconds:+.1f} s "
            "from the last ack)"
            if check.card_seconds is not None
            else f"card still shows {check.card_count} {CARD_TIMEOUT_SECONDS:g} s after it"
        )
        tally = "tally after close = last answers" if check.tally_matches else "TALLY DIFFERS"
        verdict = "PASS" if check.ok else "FAIL (" + ", ".join(check.failures()) + ")"
        print(
            f"   {check.target:14} @{check.in_flight:<4d} stored {check.counted}/{check.users}, "
            f"acked first {check.recorded}/{check.users}, changed {check.replaced}/"
            f"{check.expected_replaced}; {card}; {tally}: {verdict}"
        )
        for problem in check.tally_problems[:LOG_LINES_SHOWN]:
            print(f"      {problem}")
    outcomes = Counter[str]()
    for burst in report.bursts:
        if not burst.paired_with:
            outcomes.update(burst.outcomes)
    print(f"   advisor answers, all bursts: {dict(sorted(outcomes.items()))}")
    if outcomes.get("http 404"):
        print(
            "   http 404: bolt stopped waiting for the listener's ack after its 3 s ack_timeout "
            "and answered 'unhandled request' (Slack shows an error), though the answer was saved"
        )
    warm = "; ".join(f"{name}: {counts}" for name, counts in report.warm_up.items())
    print(f"   warm-up (untimed): {warm}")


def print_results(report: Report) -> None:
    if not report.results:
        return
    first = report.results[0]
    print(
        f"\n   results of {first.responses:,} responses to one survey (the same skewed spread), "
        f"median of {first.repeats} (ms):"
    )
    print(
        f"   {'database':12}{'results':>9}{'(tally)':>9}{'close':>9}{'chart':>9}"
        f"{'baseline':>10}{'results/baseline':>18}{'insert':>10}"
    )
    for t in report.results:
        print(
            f"   {t.database:12}{t.results_ms:9.1f}{t.tally_ms:9.1f}{t.close_ms:9.1f}"
            f"{t.chart_ms:9.1f}{t.baseline_ms:10.1f}{t.results_ms / t.baseline_ms:17.2f}x"
            f"{t.insert_seconds:9.1f}s"
        )
        for problem in t.problems[:LOG_LINES_SHOWN]:
            print(f"      {t.database}: {problem}")


def log_records(lines: Sequence[str]) -> list[str]:
    """Log lines grouped into records (a record's continuation lines have no timestamp)."""
    records: list[str] = []
    for line in lines:
        if records and not STAMPED.match(line) and not line.startswith(KNOWN_LINES):
            records[-1] += "\n" + line
        else:
            records.append(line)
    return [record for record in records if not record.startswith(KNOWN_LINES)]


def print_logs(report: Report) -> None:
    for name, lines in report.log_lines.items():
        records = log_records(lines)
        gave_up = [r for r in records if "didn't call ack()" in r or "Unhandled request" in r]
        others = [r for r in records if r not in gave_up]
        unhandled = sum(1 for r in gave_up if "Unhandled request" in r)
        if gave_up:
            print(
                f"\n   {name}: {unhandled} submission(s) answered 404 after bolt's \"didn't call "
                'ack()" and "Unhandled request" warnings (its 3 s ack_timeout)'
            )
        if others:
            print(f"\n   {name} wrote {len(others)} other log record(s); the first:")
            for record in others[:LOG_LINES_SHOWN]:
                print(f"     {record.splitlines()[0][:160]}")
    for burst in report.bursts:
        for error in burst.errors[:LOG_LINES_SHOWN]:
            print(f"   {burst.target} @{burst.in_flight} request error: {error}")


def print_bars(report: Report) -> None:
    level = report.config.levels[0]
    print()
    if not report.postgres_used:
        print(f"   bar: PostgreSQL >= {RPS_BAR:g} responses/s, p99 < {P99_BAR_MS:g} ms: not run")
    for burst in report.bursts:
        if burst.paired_with or not burst.target.startswith("postgresql"):
            continue
        if burst.in_flight != level:
            continue
        processes = burst.target.rpartition(" ")[2]
        role = "production path" if processes != "x1" else "one process"
        print(
            f"   bar: {burst.target} ({role}) >= {RPS_BAR:g} responses/s at {level} in flight "
            f"({burst.rps:.0f}/s): {verdict(report.passed[f'rps {processes}'])}"
        )
        print(
            f"   bar: {burst.target} p99 ack < {P99_BAR_MS:g} ms, every answer 200 "
            f"({burst.latency.p99:.0f} ms, {burst.non_200} not 200): "
            f"{verdict(report.passed[f'p99 {processes}'])}"
        )
    for t in report.results:
        print(
            f"   bar: results of {t.responses:,} responses on {t.database} < {RESULTS_BAR_MS:g} ms "
            f"({t.results_ms:.1f} ms{'' if t.correct else ', WRONG'}): "
            f"{verdict(report.passed[f'results {t.database}'])}"
        )
    print(
        "   check: every count, acknowledgement, card and tally as expected: "
        f"{verdict(report.passed['correct'])}"
    )


def print_report(report: Report) -> None:
    config = report.config
    mode = "quick" if config.quick else "full"
    print(
        f"Pulse survey bursts ({mode}; python {platform.python_version()}; {os.cpu_count()} "
        f"cores): {config.submissions:,} answer submissions per burst from {config.users:,} "
        f"users ({config.duplicates} double submits, {config.changes} changed answers in a "
        "second wave)"
    )
    print(
        f"advisor: `advisor serve` (tree {report.tree}) on SQLite (1 process) and PostgreSQL "
        f"(1 and 2 processes; {report.postgres}); bare bolt: slack-bolt that acks the same "
        "bodies with the same view; pairs interleaved."
    )
    print_bursts(report)
    print_waves(report)
    print_checks(report)
    print_results(report)
    print_memory_table(report.memory)
    print_logs(report)
    if report.profiles:
        print("\n   py-spy profiles (timings of a profiled run are not comparable):")
        for path in report.profiles:
            print(f"     {path}")
    print_bars(report)


def write_json(report: Report, path: Path) -> None:
    write_figures(
        path,
        asdict(report),
        quick=report.config.quick,
        units={"time": "ms", "wall_seconds": "s", "memory": "MB", "cpu": "cores"},
        bars={
            "rps": RPS_BAR,
            "p99_ms": P99_BAR_MS,
            "results_ms": RESULTS_BAR_MS,
            "results_responses": RESULTS_RESPONSES,
        },
    )
