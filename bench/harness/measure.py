"""What a benchmark measures of a request, a process and the machine: answers and their
latency, resident memory, and CPU time, read from /proc (Linux)."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """One request: its HTTP status (0: no answer, see `error`) and seconds to the full answer."""

    status: int
    seconds: float
    error: str = ""


@dataclass(frozen=True)
class Latency:
    """Milliseconds, nearest-rank percentiles over the answered requests."""

    n: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Latency:
        ordered = sorted(s.seconds * 1000 for s in samples if s.status)
        if not ordered:
            return cls(0, math.nan, math.nan, math.nan)
        return cls(
            len(ordered), _percentile(ordered, 0.50), _percentile(ordered, 0.99), ordered[-1]
        )


@dataclass(frozen=True)
class Memory:
    """From /proc/<pid>/status, in MB (1 MB = 1024 KiB): VmRSS now, VmHWM the peak so far."""

    rss_mb: float
    hwm_mb: float


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def statuses(samples: Sequence[Sample]) -> dict[str, int]:
    return dict(sorted(Counter(str(s.status) for s in samples).items()))


def read_memory(pid: int) -> Memory:
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return Memory(fields.get("VmRSS", math.nan), fields.get("VmHWM", math.nan))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
