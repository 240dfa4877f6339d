"""A pulse runner in a process of its own, on a clock the test sets: what every `advisor serve`
process runs for surveys and series (the services, the runner, SQL storage), with a publisher
that writes what it would post to a file instead of a platform.

    python -m testing.drivers.pulse_runner DATABASE_URL CLOCK_FILE EVENTS_FILE NAME

The clock is the ISO time in CLOCK_FILE, read at every call, so the test moves time for every
process at once. Each post is one line of JSON appended to EVENTS_FILE (one write, which
O_APPEND keeps whole across processes), naming the process that made it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.runner import PulseRunner
from bot.pulse.series import SeriesService
from bot.pulse.service import PulseService
from storage.pulse import SurveyRecord
from storage.series import SeriesRecord
from storage.sql import SqlStorage

SECRET = b"the simulated year"
TICK_SECONDS = 0.02


class FileClock:
    def __init__(self, path: Path) -> None:
        self._path = path

    def __call__(self) -> datetime:
        return datetime.fromisoformat(self._path.read_text().strip())


class FilePublisher:
    def __init__(self, path: Path, name: str) -> None:
        self._path = path
        self._name = name

    def _write(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "process": self._name, **fields}) + "\n"
        descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)

    async def refresh_card(self, survey: SurveyRecord, count: int) -> None:
        pass

    async def post_results(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> None:
        self._write(
            "results",
            survey=survey.id,
            round=survey.round_number,
            respondents=results.respondents,
            visible=results.visible,
            previous=None if trend is None or trend.previous is None else trend.previous.number,
        )

    async def post_reminder(self, survey: SurveyRecord, count: int) -> None:
        self._write("reminder", survey=survey.id)

    async def post_card(self, survey: SurveyRecord, series: SeriesRecord) -> dict[str, Any]:
        self._write("card", survey=survey.id, round=survey.round_number)
        return {"channel": survey.channel, "ts": survey.id}

    async def series_paused(self, series: SeriesRecord, launcher: str) -> None:
        self._write("paused", series=series.id)


async def main(database_url: str, clock_file: str, events_file: str, name: str) -> None:
    knowledge = load_knowledge(default_knowledge_dir())
    storage = SqlStorage.from_url(database_url)
    clock = FileClock(Path(clock_file))
    keys = PulseKeys(SECRET)
    pulse = PulseService(storage.pulse, lambda: knowledge, keys, clock=clock)
    series = SeriesService(storage.series, lambda: knowledge, keys, clock=clock)
    publisher = FilePublisher(Path(events_file), name)
    runner = PulseRunner(
        pulse, storage.pulse, {"slack": publisher}, series=series, tick_seconds=TICK_SECONDS
    )
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    runner.start()
    print("ready", flush=True)
    await stopping.wait()
    await runner.stop()
    await storage.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
