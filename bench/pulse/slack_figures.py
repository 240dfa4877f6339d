"""What `bench.pulse_burst` measures and reports: its configuration, each burst's figures,
what each advisor burst left in the database and on the card, and the whole report."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.harness.measure import Latency, Memory, Sample
from bench.pulse.results import ResultsTiming


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int  # distinct respondents per burst
    duplicates: int  # exact double submits, each right behind its first
    changes: int  # changed answers, in a second wave after every first answer
    levels: tuple[int, ...]  # in-flight levels; the first one is the one the bars apply to
    warm_up: int  # answers per database before anything is timed
    results_repeats: int

    @property
    def submissions(self) -> int:
        return self.users + self.duplicates + self.changes


def config_for(quick: bool) -> Config:
    if quick:
        return Config(True, 300, 75, 75, (200,), 60, 3)
    return Config(False, 2000, 500, 500, (200, 50), 200, 9)


@dataclass(frozen=True)
class Submission(Sample):
    """One answer submission: status, seconds to the whole response, what the view said."""

    outcome: str = ""


@dataclass(frozen=True)
class Wave:
    submissions: int
    wall_seconds: float
    rps: float
    latency: Latency


@dataclass(frozen=True)
class BurstResult:
    """One target's burst (both waves): throughput is submissions over the summed wall time."""

    target: str  # "sqlite x1", "postgresql x2", "bare bolt"
    paired_with: str  # the advisor configuration (for the bare app's runs)
    in_flight: int
    order: int  # position in the run
    submissions: int
    wall_seconds: float
    rps: float
    latency: Latency
    non_200: int
    statuses: dict[str, int]
    outcomes: dict[str, int]
    waves: list[Wave]
    server_cpu: dict[str, float]  # per server process: CPU seconds / wall seconds
    postgres_cpu: float | None  # the servers' PostgreSQL backends, the same way
    postgres_states: dict[str, float]  # share of the backends' samples in each state
    bench_cpu: float
    other_cpu: float  # every other process on the machine (the noise), the same way
    errors: list[str]


@dataclass
class Check:
    """What a burst left in the database and on the card."""

    target: str
    in_flight: int
    survey: str
    users: int
    counted: int | None = None  # count_responses right after the burst
    recorded: int = 0  # answers acknowledged as first answers
    replaced: int = 0  # acknowledged as changed
    expected_replaced: int = 0
    card_count: int | None = None  # the last count the card showed
    card_seconds: float | None = None  # from the burst's last ack to the card's final count
    card_updates: int = 0  # chat.update of the card from the burst's start to the final one
    tally_matches: bool | None = None  # after closing
    tally_problems: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        failed = {
            "stored count": self.counted != self.users,
            "acks": self.recorded != self.users or self.replaced != self.expected_replaced,
            "card": self.card_count != self.users,
            "tally": not self.tally_matches,
        }
        return [name for name, bad in failed.items() if bad]

    @property
    def ok(self) -> bool:
        return not self.failures()


@dataclass(frozen=True)
class Report:
    config: Config
    postgres: str  # the redacted URL, or why PostgreSQL was skipped
    postgres_used: bool
    bursts: list[BurstResult]
    checks: list[Check]
    memory: dict[str, dict[str, Memory]]
    warm_up: dict[str, dict[str, int]]
    results: list[ResultsTiming]
    log_lines: dict[str, list[str]]
    profiles: list[str]
    passed: dict[str, bool]
    tree: str
