"""Time the PDF report against the summary it draws: build_summary and render_report on the same
random answer sets of the bundled knowledge, in the same run, and the sizes of the reports.

    python -m bench.report_time            # 300 answer sets
    python -m bench.report_time --quick    # 60, a smoke run
    python -m bench.report_time --json out.json

The baseline is `build_summary` (what every summary costs the chat already); the ratio says how
many summaries one report costs. Each answer set's summary is timed three times (the median
kept) and its report once, interleaved, so that noise from the machine hits both sides alike.
See bench/README.md ("The PDF report").
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from pypdf import PdfReader

from bench.harness.measure import Latency, Sample
from bench.harness.reporting import bench_arguments, tree_state, verdict, write_figures
from bot.engine.index import index_for
from bot.engine.summary import build_summary
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.report import render_report

ANSWER_SETS, QUICK_ANSWER_SETS = 300, 60
SUMMARY_REPEATS = 3
SKIP_SHARE = 0.125  # about one question in eight skipped, as people do
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
SEED = 2026
# What a download button can afford on this machine, and what a chat upload should weigh.
RENDER_P99_BAR_MS = 1000.0
SIZE_BAR_BYTES = 200_000

T = TypeVar("T")


@dataclass(frozen=True)
class Figures:
    answer_sets: int
    summary: Latency
    report: Latency
    ratio_p50: float
    ratio_p99: float
    sizes: dict[str, int]
    pages_over_one: int
    commit: str


def answer_sets(knowledge: Knowledge, count: int) -> list[dict[str, str | None]]:
    rng = random.Random(SEED)
    return [
        {
            question.id: None if rng.random() < SKIP_SHARE else rng.choice(question.options).id
            for question in knowledge.questions
        }
        for _ in range(count)
    ]


def timed(call: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def measure(knowledge: Knowledge, sets: Sequence[dict[str, str | None]]) -> Figures:
    index = index_for(knowledge)
    build_summary(sets[0], index, NOW)  # the first call builds what later ones share
    render_report(build_summary(sets[0], index, NOW))
    summaries: list[Sample] = []
    reports: list[Sample] = []
    sizes: list[int] = []
    over = 0
    for answers in sets:
        runs = [timed(partial(build_summary, answers, index, NOW)) for _ in range(SUMMARY_REPEATS)]
        summary = runs[0][0]
        summaries.append(Sample(1, statistics.median(seconds for _, seconds in runs)))
        pdf, seconds = timed(partial(render_report, summary))
        reports.append(Sample(1, seconds))
        sizes.append(len(pdf))
        over += len(PdfReader(io.BytesIO(pdf)).pages) > 1
    summary_latency, report_latency = Latency.of(summaries), Latency.of(reports)
    return Figures(
        answer_sets=len(sets),
        summary=summary_latency,
        report=report_latency,
        ratio_p50=report_latency.p50 / summary_latency.p50,
        ratio_p99=report_latency.p99 / summary_latency.p99,
        sizes={
            "min": min(sizes),
            "median": round(statistics.median(sizes)),
            "max": max(sizes),
        },
        pages_over_one=over,
        commit=tree_state(),
    )


def print_figures(figures: Figures) -> None:
    print(f"The PDF report: {figures.answer_sets} random answer sets, commit {figures.commit}")
    print(f"   {'':10}{'build_summary':>15}{'render_report':>15}{'ratio':>8}")
    rows = (
        ("p50", figures.summary.p50, figures.report.p50, figures.ratio_p50),
        ("p99", figures.summary.p99, figures.report.p99, figures.ratio_p99),
        ("max", figures.summary.max, figures.report.max, figures.report.max / figures.summary.max),
    )
    for name, summary, report, ratio in rows:
        print(f"   {name:10}{summary:12.2f} ms{report:12.2f} ms{ratio:7.0f}x")
    sizes = figures.sizes
    print(
        f"   report size: min {sizes['min']:,} B, median {sizes['median']:,} B, "
        f"max {sizes['max']:,} B"
    )
    render_ok = figures.report.p99 < RENDER_P99_BAR_MS
    print(f"   bar: render p99 < {RENDER_P99_BAR_MS:g} ms: {verdict(render_ok)}")
    print(f"   bar: every report < {SIZE_BAR_BYTES:,} B: {verdict(sizes['max'] < SIZE_BAR_BYTES)}")
    print(f"   bar: every report one page: {verdict(figures.pages_over_one == 0)}")
    print("Absolute times are noisy on a shared machine; read the ratio first.")


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_arguments(__doc__).parse_args(argv)
    knowledge = load_knowledge(default_knowledge_dir())
    count = QUICK_ANSWER_SETS if args.quick else ANSWER_SETS
    figures = measure(knowledge, answer_sets(knowledge, count))
    print_figures(figures)
    if args.json:
        units = {"summary": "ms", "report": "ms", "sizes": "bytes"}
        bars = {"render_p99_ms": RENDER_P99_BAR_MS, "size_bytes": SIZE_BAR_BYTES}
        write_figures(args.json, asdict(figures), quick=args.quick, units=units, bars=bars)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
