"""What `bench.pulse_burst_teams` measures and reports: its configuration, each burst's
figures, what each advisor burst left in the database, the chats and on the card, and the
whole report."""

from __future__ import annotations

from dataclasses import dataclass

from bench.harness.measure import Latency, Memory

ECHO = "echo bot"


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int
    duplicates: int  # the same activity again, right behind the first (a double click)
    changes: int  # changed answers, in a second wave
    levels: tuple[int, ...]  # in-flight levels; the first is the one the bars apply to
    warm_up: int

    @property
    def submissions(self) -> int:
        return self.users + self.duplicates + self.changes


def config_for(quick: bool) -> Config:
    if quick:
        return Config(True, 200, 50, 50, (200,), 50)
    return Config(False, 1000, 250, 250, (200, 50), 150)


@dataclass(frozen=True)
class BurstResult:
    """One target's burst (both waves): throughput is submissions over the summed wall time."""

    target: str  # "sqlite x1", "postgresql x1", "postgresql x2", "echo bot"
    paired_with: str  # the advisor configuration (for the echo bot's runs)
    in_flight: int
    order: int
    submissions: int
    wall_seconds: float
    rps: float
    latency: Latency
    not_2xx: int
    statuses: dict[str, int]
    server_cpu: dict[str, float]  # per server process: CPU seconds / wall seconds
    postgres_cpu: float | None  # the servers' PostgreSQL backends, the same way
    bench_cpu: float  # this process: the client and the fake connector
    errors: list[str]


@dataclass
class Check:
    """What a burst left in the database, in the private chats and on the channel card."""

    target: str
    in_flight: int
    survey: str
    users: int
    expected_replaced: int
    counted: int | None = None  # count_responses right after the burst
    thanked: int = 0  # replies saying the answers are in
    updated: int = 0  # replies saying they were changed
    other_replies: int = 0  # anything else (closed, unknown, an apology): none expected
    card_count: int | None = None  # the last count the channel card showed
    card_updates: int = 0
    tally_problems: list[str] | None = None  # None until closed and compared

    def failures(self) -> list[str]:
        replies_ok = (
            self.thanked == self.users
            and self.updated == self.expected_replaced
            and self.other_replies == 0
        )
        failed = {
            "stored count": self.counted != self.users,
            "replies": not replies_ok,
            "card": self.card_count != self.users,
            "tally": self.tally_problems is None or bool(self.tally_problems),
        }
        return [name for name, bad in failed.items() if bad]


@dataclass(frozen=True)
class Report:
    config: Config
    postgres: str
    bursts: list[BurstResult]
    checks: list[Check]
    memory: dict[str, dict[str, Memory]]
    warm_up: dict[str, dict[str, int]]
    log_lines: dict[str, list[str]]
    passed: dict[str, bool]
    tree: str
