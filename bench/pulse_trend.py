"""Time the trend of a recurring pulse against one round's results: pulse_trend over 24 rounds
and a single pulse_results call, on the same tallies of the bundled knowledge, in the same run.

    python -m bench.pulse_trend            # 300 timings of each
    python -m bench.pulse_trend --quick    # 50, a smoke run
    python -m bench.pulse_trend --json out.json

Each round is the tally of 10,000 random responses to the bundled pulse (every question
answered, as the form requires); a few rounds fall below their threshold, as quiet weeks do.
The baseline is `pulse_results` on the newest round (what showing that round's results already
costs); the ratio says how many single results one trend costs: about the number of rounds
shown (21 here) when the trend adds little of its own. The two are timed interleaved, each
sample the median of three calls in a row, so that noise from the machine hits both sides
alike. The trend chart of the same trend is drawn once per repeat too, timed, and its size
kept. See bench/README.md ("The pulse trend").
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

from bench.harness.measure import Latency, Sample
from bench.harness.reporting import bench_arguments, tree_state, verdict, write_figures
from bot.engine.pulse import pulse_results
from bot.engine.pulse_trend import RoundTally, pulse_trend
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.pulse.trend_chart import trend_chart

ROUNDS = 24
RESPONSES = 10_000
THRESHOLD = 5
UNMET = frozenset({4, 11, 17})  # rounds with fewer respondents than the threshold
REPEATS, QUICK_REPEATS = 300, 50
CALL_REPEATS = 3  # each sample of pulse_results and pulse_trend: see median_time
FIRST_CLOSE = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)
SEED = 2026
TREND_P99_BAR_MS = 200.0
CHART_BAR_BYTES = 12_000

T = TypeVar("T")


@dataclass(frozen=True)
class Figures:
    rounds: int
    responses_per_round: int
    repeats: int
    results: Latency
    trend: Latency
    chart: Latency
    ratio_p50: float
    ratio_p99: float
    chart_bytes: int
    commit: str


def tallies(knowledge: Knowledge) -> list[RoundTally]:
    """ROUNDS rounds of RESPONSES random responses each, the ones in UNMET below threshold."""
    rng = random.Random(SEED)
    questions = knowledge.pulse_questions
    question_ids = tuple(question.id for question in questions)
    rounds = []
    for number in range(1, ROUNDS + 1):
        respondents = THRESHOLD - 1 if number in UNMET else RESPONSES
        counts: dict[str, dict[str, int]] = {question.id: {} for question in questions}
        for _ in range(respondents):
            for question in questions:
                chosen = counts[question.id]
                option = rng.choice(question.options).id
                chosen[option] = chosen.get(option, 0) + 1
        closed = FIRST_CLOSE + timedelta(weeks=2 * number)
        rounds.append(RoundTally(number, closed, respondents, THRESHOLD, counts, question_ids))
    return rounds


def timed(call: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def median_time(call: Callable[[], T]) -> tuple[T, float]:
    """The median of CALL_REPEATS calls in a row: the chart drawn between two samples evicts
    what the next call would find in the CPU's caches, for either side; the median of a few
    calls is the warm time each side has in a server."""
    runs = [timed(call) for _ in range(CALL_REPEATS)]
    return runs[-1][0], statistics.median(seconds for _, seconds in runs)


def measure(knowledge: Knowledge, rounds: Sequence[RoundTally], repeats: int) -> Figures:
    newest = rounds[-1]
    single = partial(
        pulse_results,
        newest.respondents,
        newest.counts,
        newest.question_ids,
        knowledge,
        newest.threshold,
    )
    trend_of = partial(pulse_trend, rounds, knowledge)
    trend_chart(trend_of())  # warm-up: the font, first-use imports
    single()
    results: list[Sample] = []
    trends: list[Sample] = []
    charts: list[Sample] = []
    size = 0
    for _ in range(repeats):  # interleaved, so machine noise hits every side alike
        results.append(Sample(1, median_time(single)[1]))
        trend, seconds = median_time(trend_of)
        trends.append(Sample(1, seconds))
        png, seconds = timed(partial(trend_chart, trend))
        charts.append(Sample(1, seconds))
        size = len(png)
    results_latency, trend_latency = Latency.of(results), Latency.of(trends)
    return Figures(
        rounds=len(rounds),
        responses_per_round=RESPONSES,
        repeats=repeats,
        results=results_latency,
        trend=trend_latency,
        chart=Latency.of(charts),
        ratio_p50=trend_latency.p50 / results_latency.p50,
        ratio_p99=trend_latency.p99 / results_latency.p99,
        chart_bytes=size,
        commit=tree_state(),
    )


def print_figures(figures: Figures) -> None:
    print(
        f"The pulse trend: {figures.rounds} rounds of {figures.responses_per_round:,} responses "
        f"({len(UNMET)} below threshold), {figures.repeats} repeats, commit {figures.commit}"
    )
    print(f"   {'':6}{'pulse_results':>15}{'pulse_trend':>15}{'ratio':>8}{'trend_chart':>15}")
    rows = (
        ("p50", figures.results.p50, figures.trend.p50, figures.ratio_p50, figures.chart.p50),
        ("p99", figures.results.p99, figures.trend.p99, figures.ratio_p99, figures.chart.p99),
    )
    for name, single, trend, ratio, chart in rows:
        print(f"   {name:6}{single:12.3f} ms{trend:12.3f} ms{ratio:7.1f}x{chart:12.2f} ms")
    print(f"   trend chart: {figures.chart_bytes:,} B")
    trend_ok = figures.trend.p99 < TREND_P99_BAR_MS
    print(f"   bar: pulse_trend p99 < {TREND_P99_BAR_MS:g} ms: {verdict(trend_ok)}")
    chart_ok = figures.chart_bytes < CHART_BAR_BYTES
    print(f"   bar: trend chart < {CHART_BAR_BYTES:,} B: {verdict(chart_ok)}")
    print("Absolute times are noisy on a shared machine; read the ratio first.")


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_arguments(__doc__).parse_args(argv)
    knowledge = load_knowledge(default_knowledge_dir())
    figures = measure(knowledge, tallies(knowledge), QUICK_REPEATS if args.quick else REPEATS)
    print_figures(figures)
    if args.json:
        units = {"results": "ms", "trend": "ms", "chart": "ms", "chart_bytes": "bytes"}
        bars = {"trend_p99_ms": TREND_P99_BAR_MS, "chart_bytes": CHART_BAR_BYTES}
        write_figures(args.json, asdict(figures), quick=args.quick, units=units, bars=bars)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
