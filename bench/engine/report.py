"""The report of `bench.run`: each section's figures beside its baseline, and its bar."""

from __future__ import annotations

from collections.abc import Sequence

from bench.engine.figures import (
    MATCH_P99_BAR_MS,
    MATCH_SPEEDUP_BAR,
    SNIPPET_LIMIT,
    TURN_P99_BAR_MS,
    HoldoutResult,
    MatchResult,
    MemoryResult,
    Miss,
    TurnResult,
)
from bench.engine.inputs import DIFFLIB_ACCEPT
from bench.harness.reporting import verdict


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
    print(f"   bar: {bar}: {verdict(result.passed)}")


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
    print(f"   bar: {bar}: {verdict(result.passed)}")


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
