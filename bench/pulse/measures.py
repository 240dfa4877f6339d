"""What both pulse benchmarks hold a burst to: its bars, how its CPU is shared between the
servers, their PostgreSQL backends, this process and the rest of the machine, and the replies
that say an answer was saved."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.harness.measure import Latency, cpu_seconds, machine_busy_seconds
from bench.harness.postgres import Backends
from bench.harness.processes import Server

# The bars of the issue.
RPS_BAR = 500.0  # responses/s on PostgreSQL, at the burst's full in-flight level
P99_BAR_MS = 1000.0

THANKS = "Thanks, your answers are in"  # the start of catalogue.ANSWERS_IN, a first answer
UPDATED = "Your answers are updated"  # the same, changed answer
# The live count on a survey card, on both platforms (catalogue.people_answered).
CARD_COUNT = re.compile(r"(\d+) (?:people have|person has) answered")
CARD_TIMEOUT_SECONDS = 20.0  # the card must show the final count this soon after a burst


@dataclass(frozen=True)
class CpuShares:
    """CPU over a burst, each as CPU seconds per wall second (1.0 = a core)."""

    servers: dict[str, float]  # per server process
    postgres: float | None  # the configuration's PostgreSQL backends
    postgres_states: dict[str, float]
    bench: float  # this process
    others: float  # everything else on the machine


class CpuMeter:
    """The CPU of the servers, their PostgreSQL backends, this process and the rest of the
    machine over one burst: `await start()`, the burst, `await stop(wall_seconds)`."""

    def __init__(self, servers: Sequence[Server], backends: Backends | None) -> None:
        self._servers = servers
        self._backends = backends
        self._before: dict[str, float] = {}
        self._bench = self._machine = 0.0

    async def start(self) -> None:
        self._before = {server.name: cpu_seconds(server.process.pid) for server in self._servers}
        self._bench, self._machine = time.process_time(), machine_busy_seconds()
        if self._backends is not None:
            await self._backends.start()

    async def stop(self, wall: float) -> CpuShares:
        postgres, states = (None, {}) if self._backends is None else await self._backends.stop()
        machine = (machine_busy_seconds() - self._machine) / wall
        bench = (time.process_time() - self._bench) / wall
        servers = {
            server.name: (cpu_seconds(server.process.pid) - self._before[server.name]) / wall
            for server in self._servers
        }
        ours = sum(servers.values()) + bench + (postgres or 0.0) / wall
        share = None if postgres is None else postgres / wall
        return CpuShares(servers, share, states, bench, max(0.0, machine - ours))


def bar_verdicts(
    bursts: Sequence[tuple[str, int, float, Latency, int]], level: int
) -> dict[str, bool]:
    """The issue's bars for each PostgreSQL configuration, from (target, in flight,
    responses/s, latency, answers not acknowledged) of its bursts at the bars' level:
    "rps x1", "p99 x1", "rps x2", ..."""
    passed: dict[str, bool] = {}
    for target, in_flight, rps, latency, failed in bursts:
        if target.startswith("postgresql") and in_flight == level:
            processes = target.rpartition(" ")[2]
            passed[f"rps {processes}"] = rps >= RPS_BAR
            passed[f"p99 {processes}"] = latency.p99 < P99_BAR_MS and failed == 0
    return passed


def cpu_columns(servers: Mapping[str, float], postgres: float | None) -> str:
    """The servers' CPU shares, then their PostgreSQL backends' ("62% + 64% | pg 7%")."""
    shown = " + ".join(f"{value:.0%}" for value in servers.values())
    if postgres is not None:
        shown += f" | pg {postgres:.0%}"
    return shown
