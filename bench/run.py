"""Benchmark the matcher, the dialogue engine and the knowledge index against baselines that run
in the same process, so the figures are ratios that survive a shared, noisy machine.

    python bench/run.py            # full run (well under a minute on 2 cores)
    python bench/run.py --quick    # a short smoke run
    python bench/run.py --json out.json

See bench/README.md for what each section measures and how to read it.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import heapq
import json
import math
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.engine.dialogue import handle  # noqa: E402
from bot.engine.index import KnowledgeIndex, index_for  # noqa: E402
from bot.engine.state import ConversationState  # noqa: E402
from bot.engine.turn import Choice, Command, Turn  # noqa: E402
from bot.knowledge import Knowledge, load_knowledge  # noqa: E402
from bot.knowledge.loader import knowledge_files  # noqa: E402
from bot.knowledge.model import Question  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
SEED = 20240611
DIFFLIB_ACCEPT = 0.6
SNIPPET_LIMIT = 3
MATCH_P99_BAR_MS = 2.0
MATCH_SPEEDUP_BAR = 20.0
TURN_P99_BAR_MS = 1.0
NOW = datetime(2024, 6, 11, 9, 30, tzinfo=UTC)

FILLER_BEFORE = ("", "", "I think ", "probably ", "honestly, ", "for us: ", "mostly ", "hmm ")
FILLER_AFTER = ("", "", " I guess", " for now", " tbh", " in our case", " mainly", "!")
ASK_QUERIES = (
    "how should we measure AI success?",
    "who should own the AI platform",
    "what does a chief AI officer do",
    "why do AI projects get killed too early",
    "is AI operations a business function",
)

T = TypeVar("T")


@dataclass(frozen=True)
class Config:
    quick: bool
    generated_inputs: int
    match_rounds: int
    diagnostics: int
    turn_repeats: int


@dataclass(frozen=True)
class HoldoutCase:
    question: str
    text: str
    expected: str | None


@dataclass(frozen=True)
class Stats:
    """Latency percentiles in milliseconds."""

    n: int
    p50: float
    p99: float
    mean: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> Stats:
        ordered = sorted(samples_ns)
        return cls(
            n=len(ordered),
            p50=_percentile(ordered, 0.50) / 1e6,
            p99=_percentile(ordered, 0.99) / 1e6,
            mean=sum(ordered) / len(ordered) / 1e6,
        )


@dataclass(frozen=True)
class MatchSide:
    """One side's latency for the whole job and for each half of it."""

    total: Stats
    options: Stats
    snippets: Stats
    raw_p99: float  # p99 over every single sample, machine noise included


@dataclass(frozen=True)
class MatchResult:
    ours: MatchSide
    difflib: MatchSide
    speedup_p50: float
    speedup_p99: float
    passed: bool


@dataclass(frozen=True)
class TurnResult:
    kinds: dict[str, Stats]
    all_turns: Stats
    baseline: Stats
    passed: bool


@dataclass(frozen=True)
class Miss:
    question: str
    text: str
    expected: str | None
    chosen: str | None
    top: list[tuple[str, float]]


@dataclass(frozen=True)
class HoldoutResult:
    total: int
    ours_correct: int
    difflib_correct: int
    ours_misses: list[Miss] = field(default_factory=list)
    difflib_misses: list[Miss] = field(default_factory=list)


@dataclass(frozen=True)
class Allocation:
    """What one step allocated: its peak and what stayed alive afterwards, in KiB."""

    peak_kib: float
    retained_kib: float


@dataclass(frozen=True)
class MemoryResult:
    yaml_only: Allocation
    load_knowledge: Allocation
    index: Allocation


# --- helpers ------------------------------------------------------------------------------------


def _percentile(ordered: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of already sorted samples."""
    rank = max(1, math.ceil(q * len(ordered)))
    return float(ordered[rank - 1])


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


def holdout_files() -> list[Path]:
    """Every held-out set: `holdout.yml` and any `holdout_*.yml` beside it."""
    return sorted(BENCH_DIR.glob("holdout*.yml"))


def load_holdout(path: Path) -> list[HoldoutCase]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        HoldoutCase(str(item["question"]), str(item["text"]), item.get("expected"))
        for item in raw["holdout"]
    ]


# --- inputs -------------------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # dropped letter
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters
    if kind == 2:
        return word[:i] + word[i] + word[i:]  # doubled letter
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]  # wrong letter


def _variant(phrase: str, rng: random.Random) -> str:
    words = phrase.split()
    if rng.random() < 0.5:
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
    if len(words) > 2 and rng.random() < 0.2:
        words = words[len(words) // 2 :] + words[: len(words) // 2]
    text = " ".join(words)
    if rng.random() < 0.5:
        text = text.lower()
    return rng.choice(FILLER_BEFORE) + text + rng.choice(FILLER_AFTER)


def generated_inputs(knowledge: Knowledge, count: int) -> list[tuple[str, str]]:
    """(question id, text) pairs made from option labels and synonyms, with noise added."""
    rng = random.Random(SEED)
    phrases = [
        (question.id, phrase)
        for question in knowledge.questions
        for option in question.options
        for phrase in (option.label, *option.synonyms)
    ]
    return [(qid, _variant(phrase, rng)) for qid, phrase in rng.choices(phrases, k=count)]


# --- the difflib baseline -----------------------------------------------------------------------


class DifflibBaseline:
    """The plain approach: SequenceMatcher ratio against every phrase and every snippet."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._options = {
            question.id: [
                (option.id, [p.lower() for p in (option.label, *option.synonyms)])
                for option in question.options
            ]
            for question in knowledge.questions
        }
        self._snippets = [
            (snippet.id, f"{snippet.text} {' '.join(snippet.keywords)}".lower())
            for snippet in knowledge.snippets
        ]

    def option_scores(self, question_id: str, text: str) -> list[tuple[str, float]]:
        lowered = text.lower()
        scores = [
            (option_id, max(_ratio(lowered, phrase) for phrase in phrases))
            for option_id, phrases in self._options[question_id]
        ]
        return sorted(scores, key=lambda pair: -pair[1])

    def choose(self, question_id: str, text: str) -> str | None:
        best_id, best = self.option_scores(question_id, text)[0]
        return best_id if best >= DIFFLIB_ACCEPT else None

    def search(self, text: str, limit: int) -> list[tuple[float, str]]:
        lowered = text.lower()
        scored = ((_ratio(lowered, body), snippet_id) for snippet_id, body in self._snippets)
        return heapq.nlargest(limit, scored)


def _ratio(text: str, phrase: str) -> float:
    return difflib.SequenceMatcher(None, text, phrase).ratio()


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


# --- report -------------------------------------------------------------------------------------


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _ms(value: float) -> str:
    return f"{value:.3f} ms"


def print_match(result: MatchResult, inputs: int, rounds: int) -> None:
    ours, theirs = result.ours, result.difflib
    print(f"\na. match call: options + top-{SNIPPET_LIMIT} snippets ({inputs} inputs x {rounds})")
    print(f"   {'':16}{'ours':>13}{'difflib':>13}{'speed-up':>10}")
    rows = (
        ("p50", ours.total.p50, theirs.total.p50),
        ("p99", ours.total.p99, theirs.total.p99),
        ("mean", ours.total.mean, theirs.total.mean),
        ("options p50", ours.options.p50, theirs.options.p50),
        ("snippets p50", ours.snippets.p50, theirs.snippets.p50),
    )
    for name, mine, baseline in rows:
        print(f"   {name:16}{_ms(mine):>13}{_ms(baseline):>13}{baseline / mine:9.0f}x")
    print(f"   {'raw p99':16}{_ms(ours.raw_p99):>13}{_ms(theirs.raw_p99):>13}   (noise included)")
    bar = f"p99 < {MATCH_P99_BAR_MS:g} ms and >= {MATCH_SPEEDUP_BAR:g}x difflib on p50 and p99"
    print(f"   bar: {bar}: {_verdict(result.passed)}")


def print_turns(result: TurnResult) -> None:
    base = result.baseline
    print("\nb. engine turn: handle(state, turn, knowledge) through full diagnostics")
    print(f"   {'turn':16}{'n':>6}{'p50':>13}{'p99':>13}{'x state round-trip p50':>25}")
    for kind, stats in [*result.kinds.items(), ("all turns", result.all_turns)]:
        ratio = stats.p50 / base.p50
        print(f"   {kind:16}{stats.n:6d}{_ms(stats.p50):>13}{_ms(stats.p99):>13}{ratio:24.1f}x")
    print(f"   {'baseline':16}{base.n:6d}{_ms(base.p50):>13}{_ms(base.p99):>13}{1.0:24.1f}x")
    print("   baseline: state.to_json() + ConversationState.from_json() of the same states")
    bar = f"every turn kind after `start` p99 < {TURN_P99_BAR_MS:g} ms"
    print(f"   bar: {bar}: {_verdict(result.passed)}")


def _print_misses(name: str, misses: Sequence[Miss]) -> None:
    for miss in misses:
        top = ", ".join(f"{option_id} {score:g}" for option_id, score in miss.top)
        print(f"   {name} miss [{miss.question}] {miss.text!r}")
        print(f"      expected {miss.expected}, chose {miss.chosen}; top: {top}")


def print_holdout(result: HoldoutResult, name: str) -> None:
    print(f"\nc. holdout accuracy (bench/{name}, {result.total} unseen answers)")
    print(f"   ours    {result.ours_correct:2d}/{result.total}")
    accept = f"best ratio >= {DIFFLIB_ACCEPT:g}, else ask back"
    print(f"   difflib {result.difflib_correct:2d}/{result.total}   ({accept})")
    _print_misses("ours", result.ours_misses)
    print("   (difflib's misses are in the --json output)")


def print_memory(result: MemoryResult) -> None:
    print("\nd. memory (tracemalloc, KiB)")
    print(f"   {'step':34}{'peak':>10}{'retained':>10}{'x yaml peak':>13}")
    rows = (
        ("yaml.safe_load of the files (base)", result.yaml_only),
        ("load_knowledge", result.load_knowledge),
        ("index_for (fresh knowledge)", result.index),
    )
    base = result.yaml_only.peak_kib
    for name, alloc in rows:
        ratio = alloc.peak_kib / base
        print(f"   {name:34}{alloc.peak_kib:10.0f}{alloc.retained_kib:10.0f}{ratio:12.1f}x")


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
