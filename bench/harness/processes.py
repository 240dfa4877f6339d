"""The servers a benchmark runs as processes of their own: started on a free 127.0.0.1 port in
a scratch directory, waited for until /healthz answers, and stopped whatever happens."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.harness.measure import Memory, read_memory
from bench.harness.reporting import LOG_LINES_SHOWN

# The installed `advisor` command, beside the interpreter running the benchmark.
ADVISOR = Path(sys.executable).with_name("advisor")
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 5.0


def bench_module(name: str, *args: str) -> list[str]:
    """The command that runs `bench.<name>` (a baseline server, the traced memory child) in a
    process of its own."""
    return [sys.executable, "-m", f"bench.{name}", *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A server in its own process, its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_lines(self) -> list[str]:
        if not self.log.exists():
            return []
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()


def start_server(name: str, argv: Sequence[str], env: Mapping[str, str], workdir: Path) -> Server:
    """Start a server with `workdir` as its current directory (so no stray `.env` is read)."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*argv, "--host", HOST, "--port", str(port)],
            cwd=workdir,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(name, process, f"http://{HOST}:{port}", log)


async def wait_healthy(session: aiohttp.ClientSession, server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = "\n".join(server.log_lines()[-LOG_LINES_SHOWN:])
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        try:
            async with session.get(server.url + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer /healthz within {START_TIMEOUT_SECONDS:g}s")


def stop_server(server: Server) -> None:
    """Terminate, then kill after a grace period."""
    if server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@dataclass
class Processes:
    """The servers a run starts, each stopped when `stack` closes whatever happens, with its
    resident memory once it answers and (`read_end`) at the end."""

    stack: AsyncExitStack
    session: aiohttp.ClientSession
    workdir: Path
    servers: list[Server] = field(default_factory=list)
    memory: dict[str, dict[str, Memory]] = field(default_factory=dict)

    async def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> Server:
        server = start_server(name, argv, env, self.workdir)
        self.stack.callback(stop_server, server)
        self.servers.append(server)
        await wait_healthy(self.session, server)
        self.memory[name] = {"idle": read_memory(server.process.pid)}
        return server

    def read_end(self) -> None:
        for server in self.servers:
            self.memory[server.name]["end"] = read_memory(server.process.pid)
