"""Benchmark the matcher, the dialogue engine and the knowledge index against baselines that run
in the same process, so the figures are ratios that survive a shared, noisy machine.

    python -m bench.run            # full run (well under a minute on 2 cores)
    python -m bench.run --quick    # a short smoke run
    python -m bench.run --json out.json

See bench/README.md for what each section measures and how to read it.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bench.engine.figures import (
    MATCH_P99_BAR_MS,
    MATCH_SPEEDUP_BAR,
    SNIPPET_LIMIT,
    TURN_P99_BAR_MS,
    Allocation,
    Config,
    HoldoutCase,
    HoldoutResult,
    MatchResult,
    MatchSide,
    MemoryResult,
    Miss,
    Stats,
    TurnResult,
)
from bench.engine.inputs import DifflibBaseline, generated_inputs, holdout_files, load_holdout
from bench.engine.report import print_holdout, print_match, print_memory, print_turns
from bench.harness import REPO_ROOT
from bot.engine.dialogue import handle
from bot.engine.index import KnowledgeIndex, index_for
from bot.engine.state import ConversationState
from bot.engine.turn import Choice, Command, Turn
from bot.knowledge import Knowledge, load_knowledge
from bot.knowledge.loader import knowledge_files
from bot.knowledge.model import Question

NOW = datetime(2024, 6, 11, 9, 30, tzinfo=UTC)
ASK_QUERIES = (
    "how should we measure AI success?",
    "who should own the AI platform",
    "what does a chief AI officer do",
    "why do AI projects get killed too early",
    "is AI operations a business function",
)

T = TypeVar("T")


def _timed(call: Callable[[], T]) -> tuple[T, int]:
    start = time.perf_counter_ns()
    result = call()
    return result, time.perf_counter_ns() - start


def _traced(call: Callable[[], T]) -> tuple[T, Allocation]:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        result = call()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, Allocation((peak - before) / 1024, (after - before) / 1024)


# --- a. per match call --------------------------------------------------------------------------


Job = tuple[Callable[[], object], Callable[[], object]]


def _split_timed(job: Job) -> tuple[int, int]:
    """Time the two halves of one match job (options, snippets) back to back."""
    options, snippets = job
    return _timed(options)[1], _timed(snippets)[1]


def _ours(index: KnowledgeIndex, question_id: str, text: str) -> Job:
    """What `index.understand` (and so `advisor match`) does, split in its two halves."""

    def options() -> object:
        return index.matchers[question_id].match(text)

    def snippets() -> object:
        return index.snippets.search(text, limit=SNIPPET_LIMIT)

    return options, snippets


def _theirs(baseline: DifflibBaseline, question_id: str, text: str) -> Job:
    return (
        lambda: baseline.option_scores(question_id, text),
        lambda: baseline.search(text, SNIPPET_LIMIT),
    )


def _median_ns(samples: Sequence[int]) -> int:
    return int(statistics.median_low(samples))


def _side(splits_per_input: Sequence[Sequence[tuple[int, int]]]) -> MatchSide:
    """Per input, the median of its repeats (that drops one-off pauses from a neighbour's
    process); then the distribution of those medians across inputs."""
    totals = [_median_ns([a + b for a, b in splits]) for splits in splits_per_input]
    options = [_median_ns([a for a, _ in splits]) for splits in splits_per_input]
    snippets = [_median_ns([b for _, b in splits]) for splits in splits_per_input]
    every_sample = [a + b for splits in splits_per_input for a, b in splits]
    return MatchSide(
        Stats.of(totals),
        Stats.of(options),
        Stats.of(snippets),
        raw_p99=Stats.of(every_sample).p99,
    )


def bench_match(
    index: KnowledgeIndex, baseline: DifflibBaseline, inputs: Sequence[tuple[str, str]], rounds: int
) -> MatchResult:
    jobs = [(_ours(index, qid, text), _theirs(baseline, qid, text)) for qid, text in inputs]
    for ours_job, theirs_job in jobs:  # warm-up: caches, lazy imports
        _split_timed(ours_job)
        _split_timed(theirs_job)
    ours: list[list[tuple[int, int]]] = [[] for _ in jobs]
    theirs: list[list[tuple[int, int]]] = [[] for _ in jobs]
    for _ in range(rounds):  # interleaved, so machine noise hits both sides alike
        for number, (ours_job, theirs_job) in enumerate(jobs):
            ours[number].append(_split_timed(ours_job))
            theirs[number].append(_split_timed(theirs_job))
    ours_side, difflib_side = _side(ours), _side(theirs)
    speedup_p50 = difflib_side.total.p50 / ours_side.total.p50
    speedup_p99 = difflib_side.total.p99 / ours_side.total.p99
    passed = (
        ours_side.total.p99 < MATCH_P99_BAR_MS
        and min(speedup_p50, speedup_p99) >= MATCH_SPEEDUP_BAR
    )
    return MatchResult(ours_side, difflib_side, speedup_p50, speedup_p99, passed)


# --- b. per engine turn -------------------------------------------------------------------------


def _accepted_text(index: KnowledgeIndex, question: Question) -> tuple[str, str]:
    """A typed answer the matcher accepts for this question (lower-cased synonym, filler)."""
    for option in question.options:
        for phrase in (*option.synonyms, option.label):
            text = f"I'd say {phrase.lower()}"
            if index.matchers[question.id].match(text).chosen == option.id:
                return text, option.id
    raise RuntimeError(f"no free-text answer is accepted for question {question.id}")


def diagnostic_turns(index: KnowledgeIndex, run: int) -> Iterator[tuple[str, Turn]]:
    """One full diagnostic: start, then per question a `why`, an `ask` and an answer
    (a button on even questions, typed text on odd ones); the last answer builds the summary."""
    knowledge = index.knowledge
    yield "start", Turn(NOW, command=Command.START)
    last = len(knowledge.questions) - 1
    for number, question in enumerate(knowledge.questions):
        yield "why", Turn(NOW, text="why")
        query = ASK_QUERIES[(run + number) % len(ASK_QUERIES)]
        yield "ask", Turn(NOW, text=f"ask {query}")
        kind = "answer+summary" if number == last else None
        if number % 2 == 0:
            option = question.options[(run + number) % len(question.options)]
            yield kind or "choice", Turn(NOW, choice=Choice(question.id, option.id))
        else:
            text, _ = _accepted_text(index, question)
            yield kind or "free text", Turn(NOW, text=text)


def _serialise_round_trip(state: ConversationState) -> ConversationState:
    return ConversationState.from_json(state.to_json())


def _repeated(call: Callable[[], T], repeats: int) -> tuple[T, int]:
    """The result of `call` (a pure function) and the median time of `repeats` calls."""
    timings = [_timed(call) for _ in range(repeats)]
    return timings[-1][0], _median_ns([ns for _, ns in timings])


def bench_turns(index: KnowledgeIndex, diagnostics: int, repeats: int) -> TurnResult:
    knowledge = index.knowledge
    by_kind: dict[str, list[int]] = {}
    baseline: list[int] = []
    for run in range(-1, diagnostics):  # run -1 is the warm-up
        state = ConversationState()
        for kind, turn in diagnostic_turns(index, max(run, 0)):
            _, baseline_ns = _repeated(partial(_serialise_round_trip, state), repeats)
            (state, _), turn_ns = _repeated(partial(handle, state, turn, knowledge), repeats)
            if run >= 0:
                by_kind.setdefault(kind, []).append(turn_ns)
                baseline.append(baseline_ns)
        if state.completed_at is None:
            raise RuntimeError("the scripted diagnostic did not finish")
    kinds = {kind: Stats.of(samples) for kind, samples in by_kind.items()}
    all_turns = Stats.of([ns for samples in by_kind.values() for ns in samples])
    passed = all(stats.p99 < TURN_P99_BAR_MS for kind, stats in kinds.items() if kind != "start")
    return TurnResult(kinds, all_turns, Stats.of(baseline), passed)


# --- c. holdout accuracy ------------------------------------------------------------------------


def bench_holdout(
    index: KnowledgeIndex, baseline: DifflibBaseline, cases: Sequence[HoldoutCase]
) -> HoldoutResult:
    ours_misses: list[Miss] = []
    difflib_misses: list[Miss] = []
    for case in cases:
        match = index.matchers[case.question].match(case.text)
        if match.chosen != case.expected:
            top = [(s.option_id, s.score) for s in match.ranked[:3]]
            ours_misses.append(Miss(case.question, case.text, case.expected, match.chosen, top))
        scores = baseline.option_scores(case.question, case.text)
        chosen = baseline.choose(case.question, case.text)
        if chosen != case.expected:
            top = [(option_id, round(100 * ratio, 1)) for option_id, ratio in scores[:3]]
            difflib_misses.append(Miss(case.question, case.text, case.expected, chosen, top))
    total = len(cases)
    return HoldoutResult(
        total,
        total - len(ours_misses),
        total - len(difflib_misses),
        ours_misses,
        difflib_misses,
    )


# --- d. memory ----------------------------------------------------------------------------------


def _yaml_only(directory: Path) -> list[Any]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in knowledge_files(directory)]


def _fresh_index(knowledge: Knowledge) -> KnowledgeIndex:
    index_for.cache_clear()
    return index_for(knowledge)


def bench_memory(directory: Path) -> MemoryResult:
    _yaml_only(directory)  # warm-up: first-use imports and caches are not the knowledge
    _fresh_index(load_knowledge(directory))
    _, yaml_only = _traced(lambda: _yaml_only(directory))
    knowledge, loaded = _traced(lambda: load_knowledge(directory))
    index_for.cache_clear()
    gc.collect()
    _, indexed = _traced(lambda: index_for(knowledge))
    return MemoryResult(yaml_only, loaded, indexed)


# --- the run ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run (a few seconds)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    return parser.parse_args(argv)


def config_for(quick: bool) -> Config:
    if quick:
        return Config(
            quick=True, generated_inputs=40, match_rounds=3, diagnostics=3, turn_repeats=3
        )
    return Config(quick=False, generated_inputs=200, match_rounds=5, diagnostics=40, turn_repeats=5)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = config_for(args.quick)
    directory = REPO_ROOT / "knowledge"
    knowledge = load_knowledge(directory)
    index = index_for(knowledge)
    baseline = DifflibBaseline(knowledge)
    holdouts = {path.name: load_holdout(path) for path in holdout_files()}
    inputs = [*generated_inputs(knowledge, config.generated_inputs)]
    for cases in holdouts.values():
        inputs += [(case.question, case.text) for case in cases]
    mode = "quick" if config.quick else "full"
    print(
        f"AI Ownership Advisor bench ({mode}; python {platform.python_version()}; knowledge "
        f"{knowledge.version}: {len(knowledge.questions)} questions, "
        f"{len(knowledge.snippets)} snippets)"
    )
    print("Ratios compare against a baseline timed in the same run; absolute times are noisy.")
    match = bench_match(index, baseline, inputs, config.match_rounds)
    print_match(match, len(inputs), config.match_rounds)
    turns = bench_turns(index, config.diagnostics, config.turn_repeats)
    print_turns(turns)
    accuracy = {name: bench_holdout(index, baseline, cases) for name, cases in holdouts.items()}
    for name, result in accuracy.items():
        print_holdout(result, name)
    memory = bench_memory(directory)
    print_memory(memory)
    if args.json:
        figures = {
            "mode": mode,
            "knowledge_version": knowledge.version,
            "python": platform.python_version(),
            "config": asdict(config),
            "units": {"time": "ms", "memory": "KiB", "holdout_scores": "0-100"},
            "bars": {
                "match_p99_ms": MATCH_P99_BAR_MS,
                "match_speedup": MATCH_SPEEDUP_BAR,
                "turn_p99_ms": TURN_P99_BAR_MS,
            },
            "match": asdict(match),
            "turns": asdict(turns),
            "holdout": {name: asdict(result) for name, result in accuracy.items()},
            "memory": asdict(memory),
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
