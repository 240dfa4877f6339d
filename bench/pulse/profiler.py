"""py-spy on each advisor process during its bursts (`bench.pulse_burst --profile DIR`)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.harness.processes import Server

# Installed beside the interpreter running the benchmark, when it is installed.
PY_SPY = Path(sys.executable).with_name("py-spy")


class Profiler:
    """py-spy on each advisor process during its bursts (`--profile DIR`), raw format."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._running: list[subprocess.Popen[bytes]] = []
        self.files: list[str] = []

    def start(self, servers: Sequence[Server], label: str) -> bool:
        """Start recording; True when it did (then give py-spy a moment to attach)."""
        if self._directory is None:
            return False
        self._directory.mkdir(parents=True, exist_ok=True)
        for server in servers:
            output = self._directory / f"{label}-{server.name}.txt".replace(" ", "_")
            argv = [str(PY_SPY), "record", "--pid", str(server.process.pid), "--format", "raw"]
            argv += ["--rate", "200", "--output", str(output)]
            self._running.append(
                subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            self.files.append(str(output))
        return True

    def stop(self) -> None:
        for process in self._running:
            process.send_signal(signal.SIGINT)
        for process in self._running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._running = []
