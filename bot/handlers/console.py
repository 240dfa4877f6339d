"""The terminal front end: the same engine and storage as the chat platforms, one line in,
replies drawn with rich. Works interactively and with answers piped on standard input."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from bot.engine.replies import Summary
from bot.engine.turn import Command
from bot.handlers.console_render import render
from bot.handlers.report_pdf import made_report
from bot.service import AdvisorService
from bot.views import catalogue
from storage.conversations import ConversationKey

QUIT = frozenset({"quit", "exit", ":q", "bye"})
# Typed in the chat, these write the summary's PDF report here, as `advisor report` does.
REPORT = frozenset({"report", "download report", "pdf"})
ReadLine = Callable[[], str | None]


def stdin_reader(console: Console, interactive: bool) -> ReadLine:
    """Read a line from standard input; None at the end of input or on Ctrl-C/Ctrl-D."""

    def read() -> str | None:
        try:
            if interactive:
                return console.input("[bold blue]> [/]")
            line = input()
        except (EOFError, KeyboardInterrupt):
            return None
        console.print(f"> {line}", style="dim", markup=False, highlight=False)
        return line

    return read


async def run_console(
    service: AdvisorService, key: ConversationKey, read: ReadLine, console: Console
) -> None:
    """Resume (or start) this user's conversation and loop until quit or end of input."""
    render(console, await service.handle(key, command=Command.RESUME))
    while True:
        line = await read_in_background(read)
        if line is None or line.strip().lower() in QUIT:
            console.print(catalogue.GOODBYE)
            return
        if line.strip().lower() in REPORT:
            await _report(service, key, console)
            continue
        render(console, await service.handle(key, text=line))


async def _report(service: AdvisorService, key: ConversationKey, console: Console) -> None:
    """The latest result's PDF, written in the current folder (on a worker thread: making a
    page takes a tenth of a second)."""
    summary = (await service.overview(key)).summary
    if summary is None:
        console.print(catalogue.REPORT_TYPED_NO_RESULT)
        return
    try:
        path, size = await asyncio.to_thread(write_report, summary, None)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        console.print(catalogue.report_not_written(str(error.filename or "."), reason))
        return
    console.print(catalogue.report_written(str(path), size))


def write_report(summary: Summary, output: Path | None) -> tuple[Path, int]:
    """Write `summary`'s PDF report at `output` (a file, or a folder to write it in; None: the
    current folder) under its own name; the path and size. Raises OSError when it cannot."""
    report = made_report(summary)
    path = Path(report.name)
    if output is not None:
        path = output / path if output.is_dir() else output
    path.write_bytes(report.content)
    return path, len(report.content)


async def read_in_background(read: ReadLine) -> str | None:
    """`read()` in a daemon thread. Not the loop's default executor: on Ctrl-C, asyncio.run
    waits for that executor's threads, and a thread blocked in input() would hold the process
    until Enter; a daemon thread is simply left behind."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str | None] = loop.create_future()

    def run() -> None:
        try:
            line = read()
        except BaseException as error:
            loop.call_soon_threadsafe(_settle_error, done, error)
        else:
            loop.call_soon_threadsafe(_settle, done, line)

    threading.Thread(target=run, name="console-input", daemon=True).start()
    return await done


def _settle(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


def _settle_error(future: asyncio.Future[str | None], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
