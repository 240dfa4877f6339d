"""What `bench.run` measures and reports: latency statistics, each section's result, and the
bars they are held against."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

SNIPPET_LIMIT = 3  # snippets a match call looks up, as `advisor match` shows them
MATCH_P99_BAR_MS = 2.0
MATCH_SPEEDUP_BAR = 20.0
TURN_P99_BAR_MS = 1.0


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


def _percentile(ordered: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of already sorted samples."""
    rank = max(1, math.ceil(q * len(ordered)))
    return float(ordered[rank - 1])
