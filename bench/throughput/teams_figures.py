"""What `bench.teams_throughput` measures and reports: its configuration, each round's,
target's and in-flight level's figures, the answers that moved people on, and the bar."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.harness.measure import Latency, Memory

THROUGHPUT_BAR = 0.70  # advisor activities/s at least this share of the stock echo bot's


@dataclass(frozen=True)
class Config:
    quick: bool
    users: int
    rounds: int  # per in-flight level: one answer per user to the question the bot last sent
    levels: tuple[int, ...]  # requests kept in flight, one block of rounds each
    database: str = "SQLite"  # what the advisor stores in: "SQLite" (a file) or "PostgreSQL"

    @property
    def questions_needed(self) -> int:
        return self.rounds * len(self.levels)


@dataclass(frozen=True)
class QuestionCard:
    """The last question card the bot sent to a conversation, as the fake connector got it."""

    question_id: str
    answer: dict[str, Any]  # the first option's Action.Submit data: what pressing it sends
    message_id: str  # the connector's id for the card's message: the submit's replyToId


@dataclass(frozen=True)
class RoundResult:
    target: str
    in_flight: int
    number: int
    activities: int
    wall_seconds: float
    rate: float  # activities per second
    latency: Latency
    statuses: dict[str, int]
    server_cpu: float  # the target's CPU seconds during the round / wall seconds (1.0 = a core)
    bench_cpu: float  # the same for this process: client and fake connector
    connector_calls: dict[str, int]  # operation -> calls the target made during the round
    replies: int  # activities the target sent (sends and replies with a 2xx answer)
    reply_bytes: int  # their JSON, compact, as the fake parsed it


@dataclass(frozen=True)
class TargetResult:
    """One target over its timed rounds at one level: throughput is activities over summed
    round time."""

    name: str
    in_flight: int
    activities: int
    wall_seconds: float
    rate: float
    latency: Latency
    non_2xx: int
    statuses: dict[str, int]
    errors: list[str]
    connector_calls: dict[str, int]
    replies_per_activity: float
    reply_kb_per_activity: float


@dataclass(frozen=True)
class LevelResult:
    in_flight: int
    advisor: TargetResult
    echo: TargetResult  # the stock echo bot: the SDK builds its clients every turn
    echo_reuse: TargetResult  # the echo bot with the advisor's client reuse
    throughput_ratio: float  # advisor / echo activities/s: the bar
    reuse_ratio: float  # advisor / echo reuse activities/s: the advisor's own work; no bar
    passed: bool

    @property
    def targets(self) -> tuple[TargetResult, TargetResult, TargetResult]:
        return self.advisor, self.echo, self.echo_reuse


@dataclass(frozen=True)
class Answers:
    """Did every timed answer move its user on? (the advisor's side)"""

    expected: int = 0  # answers sent to the advisor for a card of the expected question
    advanced: int = 0  # ...after which the bot sent that user the next question's card
    unexpected: int = 0  # answers to a card of another question (the flow went off course)
    missing: int = 0  # users the bot had sent no question card to


@dataclass(frozen=True)
class WarmUp:
    statuses: dict[str, dict[str, int]]  # target -> HTTP statuses of the "start" activities
    calls: dict[str, dict[str, int]]  # target -> operation -> connector calls it made
    cards: int  # users who got their first question card


@dataclass(frozen=True)
class Report:
    config: Config
    levels: list[LevelResult]
    rounds: list[RoundResult]
    memory: dict[str, dict[str, Memory]]
    warm_up: WarmUp
    answers: Answers
    log_lines: dict[str, list[str]] = field(default_factory=dict)
    exit_codes: dict[str, int | None] = field(default_factory=dict)
    tree: str = ""


def rate_ratio(ours: float, theirs: float) -> float:
    """ours / theirs, 0 when there is nothing to compare with."""
    return ours / theirs if theirs else 0.0
