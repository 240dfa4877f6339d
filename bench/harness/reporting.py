"""What every benchmark's report has: its command line, the commit measured, memory per
server, verdicts on its bars, and the figures as JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.harness import REPO_ROOT
from bench.harness.measure import Memory

LOG_LINES_SHOWN = 8


def bench_arguments(doc: str | None) -> argparse.ArgumentParser:
    """The options every benchmark has: --quick and --json PATH (its docstring's first line
    as the description)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    return parser


def tree_state() -> str:
    """The commit measured, and whether the work tree had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + {len(changed)} changed file(s)" if changed else commit


def print_memory_table(memory: Mapping[str, Mapping[str, Memory]]) -> None:
    """Each server's resident memory at idle and at the end, and its peak (shared by the
    benchmarks that run servers)."""
    print(f"\n   {'memory (MB)':20}{'RSS idle':>10}{'RSS end':>10}{'peak (HWM)':>12}")
    for name, points in memory.items():
        idle, end = points["idle"], points.get("end", points["idle"])
        print(f"   {name:20}{idle.rss_mb:10.1f}{end.rss_mb:10.1f}{end.hwm_mb:12.1f}")


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def write_figures(
    path: Path,
    figures: dict[str, Any],
    *,
    quick: bool,
    units: Mapping[str, str],
    bars: Mapping[str, float],
) -> None:
    """`figures` (a report as a dict) as JSON, with what every run shares: its mode, the
    Python, the cores, the units of the figures and the bars they are held against."""
    figures["mode"] = "quick" if quick else "full"
    figures["python"] = platform.python_version()
    figures["cpu_count"] = os.cpu_count()
    figures["units"] = dict(units)
    figures["bars"] = dict(bars)
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
