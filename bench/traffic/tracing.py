"""The traced side of the memory benchmark (`--trace`): the child that builds the advisor's
application under tracemalloc, the census of its caches and containers, and what grew between
two snapshots."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import signal
import sys
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.harness import REPO_ROOT
from bench.traffic.server import URL_FILE
from bot.config import Settings

TRACE_FRAMES = 8  # more makes tracing much slower (8 frames: about 5x, 25: 17x)
TOP_LINES = 15
TOP_TRACEBACKS = 6
CENSUS_LINES = 20
EARLY, LATE = "early.tracemalloc", "late.tracemalloc"  # its snapshots, in its directory
# This module: its census materialises the __dict__ of the objects it reads, which is no growth
# of the server's.
THIS_FILE = Path(__file__).resolve()


def serve_traced() -> int:
    """The child of `--trace`: the server's application built here, as tests/server/conftest.py's
    `running()` does (`build_app`, `build_web_app`, served by `testing.fakes.fixtures`' server)
    and as `bot.cli` does (gc.freeze() after start-up), from the settings in the environment;
    plus two routes for the bench: start tracemalloc, and dump a snapshot."""
    import logging

    from aiohttp import web

    from bot.app import build_app
    from bot.config import slack_config, survey_secret, teams_config
    from bot.logs import configure_logging
    from bot.server import build_web_app
    from testing.fakes.fixtures import bot_server

    async def start_tracing(request: web.Request) -> web.Response:
        # What start-up built was frozen (as `advisor serve` does); gc.get_objects(), which
        # the census reads, does not list frozen objects.
        gc.unfreeze()
        tracemalloc.start(int(request.query.get("frames", TRACE_FRAMES)))
        return web.Response(text="tracing")

    async def snapshot(request: web.Request) -> web.Response:
        name = Path(request.query["name"]).name
        # The census first, so that what it allocates is gone (or in both snapshots).
        counted = json.dumps(census())
        (Path.cwd() / f"{name}.json").write_text(counted, encoding="utf-8")
        del counted
        gc.collect()  # garbage awaiting the collector is no growth
        tracemalloc.take_snapshot().dump(str(Path.cwd() / name))
        return web.Response(text=name)

    async def serve() -> None:
        settings = Settings(_env_file=None)
        configure_logging(settings.log_level, settings.log_format)
        app = await build_app(settings, survey_key=survey_secret(settings, dev=True))
        web_app = build_web_app(app, slack_config(settings), teams_config(settings, dev=True))
        web_app.router.add_post("/bench/tracemalloc/start", start_tracing)
        web_app.router.add_post("/bench/tracemalloc/snapshot", snapshot)
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with bot_server(web_app) as base:
            logging.getLogger(__name__).warning("serving on %s", base)
            (Path.cwd() / URL_FILE).write_text(base)
            await stop.wait()

    asyncio.run(serve())
    return 0


def census() -> dict[str, tuple[int, str]]:
    """Entries and bound of every cache and container that could grow, in the traced server:
    each functools.lru_cache (currsize, maxsize); the dict, set, list and deque attributes of
    the objects of bot/ and storage/ and their modules' globals (summed over the instances
    of a class, no bound known: read the code); SQLAlchemy's LRU caches (the compiled
    statements; capacity); and the Prometheus metrics' labelled series."""
    from collections import OrderedDict, deque

    from prometheus_client.metrics import MetricWrapperBase
    from sqlalchemy.util import LRUCache

    containers = (dict, set, list, deque, OrderedDict)
    found: dict[str, tuple[int, str]] = {}

    def add(name: str, size: int, bound: str = "?") -> None:
        found[name] = (found.get(name, (0, bound))[0] + size, bound)

    def ours(module: object) -> bool:
        return isinstance(module, str) and module.split(".", 1)[0] in ("bot", "storage")

    for obj in gc.get_objects():
        kind = type(obj)
        # Classes compared by identity: isinstance() with an ABC would fill the ABC's caches.
        if kind is functools._lru_cache_wrapper:
            info = obj.cache_info()
            where = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"
            bound = "none" if info.maxsize is None else f"{info.maxsize:,}"
            add(f"lru_cache {where}", info.currsize, bound)
        elif LRUCache in kind.__mro__:
            add("sqlalchemy LRUCache (compiled statements)", len(obj), f"{obj.capacity:,}")
        elif MetricWrapperBase in kind.__mro__:
            add(f"prometheus series {obj._name}", len(getattr(obj, "_metrics", {})))
        elif ours(kind.__module__):
            attributes = dict(getattr(obj, "__dict__", {}))
            for slot in getattr(kind, "__slots__", ()):
                if hasattr(obj, slot):
                    attributes[slot] = getattr(obj, slot)
            for attr, value in attributes.items():
                if isinstance(value, containers):
                    add(f"{kind.__module__}.{kind.__qualname__}.{attr}", len(value))
    for module_name, module in list(sys.modules.items()):
        if ours(module_name):
            for attr, value in list(vars(module).items()):
                if isinstance(value, containers) and not attr.startswith("__"):
                    add(f"{module_name}.{attr} (global)", len(value))
    return found


def print_census(early: Mapping[str, Sequence[Any]], late: Mapping[str, Sequence[Any]]) -> None:
    grown = [
        (name, int(early.get(name, (0, ""))[0]), int(size), str(bound))
        for name, (size, bound) in late.items()
        if int(size) != int(early.get(name, (0, ""))[0])
    ]
    grown.sort(key=lambda row: row[2] - row[1], reverse=True)
    print(
        "\ncaches and containers whose size changed over the same rounds (entries; bound:"
        " maxsize or capacity, none = unbounded, ? = see the code):"
    )
    print(f"  {'before':>8} {'after':>8} {'bound':>8}  what")
    for name, before, after, bound in grown[:CENSUS_LINES]:
        print(f"  {before:>8,} {after:>8,} {bound:>8}  {name}")
    if not grown:
        print("  none")


def filtered(snapshot: tracemalloc.Snapshot) -> tracemalloc.Snapshot:
    """The server's allocations: not tracemalloc's, the importer's, nor this script's own (its
    census materialises the __dict__ of the objects it reads)."""
    return snapshot.filter_traces(
        (
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
            tracemalloc.Filter(False, "<unknown>"),
            tracemalloc.Filter(False, str(THIS_FILE)),
        )
    )


def short(filename: str) -> str:
    for prefix in (str(REPO_ROOT) + os.sep, *sorted(sys.path, key=len, reverse=True)):
        if prefix and filename.startswith(prefix.rstrip(os.sep) + os.sep):
            return filename[len(prefix.rstrip(os.sep)) + 1 :]
    return filename


def print_trace(
    early: tracemalloc.Snapshot, late: tracemalloc.Snapshot, early_round: int, rounds: int
) -> None:
    early, late = filtered(early), filtered(late)
    total = sum(stat.size_diff for stat in late.compare_to(early, "filename"))
    print(
        f"\ntracemalloc: the server's Python allocations, after round {rounds} compared with "
        f"after round {early_round}: {total / 1024:+,.0f} KiB in all"
    )
    print(f"top {TOP_LINES} lines by growth (compare_to 'lineno'):")
    print(f"  {'KiB':>9} {'blocks':>8}  where")
    for stat in late.compare_to(early, "lineno")[:TOP_LINES]:
        frame = stat.traceback[0]
        where = f"{short(frame.filename)}:{frame.lineno}"
        print(f"  {stat.size_diff / 1024:+9.1f} {stat.count_diff:+8d}  {where}")
    print(f"\nthe {TOP_TRACEBACKS} largest growths by whole traceback (most recent call last):")
    for stat in late.compare_to(early, "traceback")[:TOP_TRACEBACKS]:
        print(f"\n  {stat.size_diff / 1024:+.1f} KiB in {stat.count_diff:+d} blocks")
        frames = [frame for frame in stat.traceback if "asyncio" not in frame.filename][-12:]
        for frame in frames:
            print(f"    {short(frame.filename)}:{frame.lineno}")
