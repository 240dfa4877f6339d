"""The server the memory benchmark runs its traffic against: `advisor serve --dev`, or the same
application built in a traced child (`--trace`), in a scratch directory with none of this
shell's advisor settings; its log, summarised."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.harness.processes import HOST, bench_module, free_port
from bench.traffic.requests import ADMIN_TOKEN, BOT_TOKEN, SIGNING_SECRET, SURVEY_SECRET
from bot.config import Settings
from testing.fakes.slack_api import FakeSlackApi

START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 15.0
LOG_LINES_SHOWN = 12
URL_FILE = "server.url"  # where the traced server writes its URL
# "2026-12-07 10:51:42,371 WARNING bot.x message": level, logger, message
_LOG_LINE = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+) (.*)$")
_VARYING = re.compile(r"[=:(\[]|\d")  # where a message's varying part starts

# Every setting the advisor reads, which the server must not inherit from this shell.
_SETTINGS = frozenset(name.upper() for name in Settings.model_fields)
_PREFIXES = ("SLACK_", "MICROSOFT_", "PULSE_", "DATABASE_", "KNOWLEDGE_")


def settings_values(workdir: Path, api_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{workdir / 'memory.db'}",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "SURVEY_SECRET": SURVEY_SECRET,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "METRICS_ENABLED": "true",
        "LOG_LEVEL": "WARNING",
    }


def scrubbed_environment() -> dict[str, str]:
    """This shell's environment without any advisor setting or proxy (everything stays on
    127.0.0.1)."""
    return {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in _SETTINGS
        and not name.upper().startswith(_PREFIXES)
        and not name.lower().endswith("_proxy")
    }


@dataclass
class Target:
    base: str
    pid: int
    describe: str
    log: Path | None = None

    def log_summary(self) -> list[tuple[int, str]]:
        """The server's log lines, counted by level, logger and the start of the message."""
        if self.log is None or not self.log.exists():
            return []
        counted: Counter[str] = Counter()
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _LOG_LINE.match(line)
            if match is not None:
                level, logger, message = match.groups()
                counted[f"{level} {logger}: {_VARYING.split(message, 1)[0].strip()[:60]}"] += 1
        return [(count, line) for line, count in counted.most_common(LOG_LINES_SHOWN)]

    def log_tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-LOG_LINES_SHOWN:])


def start_process(
    argv: Sequence[str], workdir: Path, env: Mapping[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            argv,
            cwd=workdir,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@asynccontextmanager
async def subprocess_server(workdir: Path, api: FakeSlackApi, trace: bool) -> AsyncIterator[Target]:
    """`advisor serve --dev` (Slack with a token, Teams in emulator mode, the admin endpoint),
    or with `trace` the same application built by this script (`--serve-traced`), run from
    `workdir` so no developer `.env` is read; SIGTERM on the way out."""
    port = free_port()
    env = {
        **scrubbed_environment(),
        **settings_values(workdir, api.base_url),
        "HOST": HOST,
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    if trace:
        argv = bench_module("memory", "--serve-traced")
        describe = "the app built as tests/server/conftest.py does, in a child process (traced)"
    else:
        argv = [sys.executable, "-m", "bot", "serve", "--dev"]
        describe = "advisor serve --dev (subprocess)"
    log = workdir / "advisor.log"
    process = start_process(argv, workdir, env, log)
    target = Target(f"http://{HOST}:{port}", process.pid, describe, log)
    try:
        if trace:  # served on a port of its choosing, written to URL_FILE
            target.base = await wait_for_file(workdir / URL_FILE, target, process)
        await wait_healthy(target, process)
        yield target
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_for_file(path: Path, target: Target, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while (text := _read_if_there(path)) is None:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{target.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start within {START_TIMEOUT_SECONDS:g}s")
        await asyncio.sleep(0.1)
    return text


def _read_if_there(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


async def wait_healthy(target: Target, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {process.returncode}:\n{target.log_tail()}"
                )
            with suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(target.base + "/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {START_TIMEOUT_SECONDS:g}s")


async def bench_call(session: aiohttp.ClientSession, target: Target, what: str) -> None:
    """Ask the traced server to start tracing or dump a snapshot (in its working directory)."""
    url = f"{target.base}/bench/tracemalloc/{what}"
    async with session.post(url, timeout=aiohttp.ClientTimeout(total=300)) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
