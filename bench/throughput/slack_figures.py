"""What `bench.slack_acks` measures and reports: its configuration, each round's and each
target's figures, and the bars they are held against."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.harness.measure import Latency, Memory

THROUGHPUT_BAR = 0.70  # advisor requests/s at least this share of the bare app's
P99_BAR_MS = 100.0
RSS_BAR_MB = 150.0


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int
    rounds: int  # each round: one press per user on the question the bot last posted them
    in_flight: int

    @property
    def presses(self) -> int:
        return self.users * self.rounds


@dataclass(frozen=True)
class RoundResult:
    target: str
    number: int
    requests: int
    wall_seconds: float
    rps: float
    latency: Latency
    statuses: dict[str, int]
    server_cpu: float  # the target's CPU seconds during the round / wall seconds (1.0 = a core)
    bench_cpu: float  # the same for this process: client, signing and the fake Web API


@dataclass(frozen=True)
class TargetResult:
    """One target over all its timed rounds: throughput is presses over summed round time."""

    name: str
    requests: int
    wall_seconds: float
    rps: float
    latency: Latency
    non_200: int
    statuses: dict[str, int]
    errors: list[str]


@dataclass
class Drains:
    """Seconds from the end of each advisor round to its last Web API call (0: none after)."""

    after_round: list[float | None] = field(default_factory=list)  # None: never went quiet
    warm_up: float | None = 0.0  # from the first /ai-owner start sent


@dataclass(frozen=True)
class Report:
    config: Config
    advisor: TargetResult
    bare: TargetResult
    throughput_ratio: float
    rounds: list[RoundResult]
    memory: dict[str, dict[str, Memory]]
    api_calls_warm_up: dict[str, int]
    api_calls_timed: dict[str, int]
    bare_api_calls: dict[str, int]
    answers_expected: int
    unexpected_questions: int
    missing_questions: int
    drains: Drains
    log_lines: dict[str, list[str]]
    passed: dict[str, bool]
    tree: str
