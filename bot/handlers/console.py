"""The terminal front end: the same engine and storage as the chat platforms, one line in,
replies drawn with rich. Works interactively and with answers piped on standard input."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from rich.console import Console

from bot.engine.turn import Command
from bot.handlers.console_render import render
from bot.service import AdvisorService
from bot.views import catalogue
from storage.conversations import ConversationKey

QUIT = frozenset({"quit", "exit", ":q", "bye"})
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
        render(console, await service.handle(key, text=line))


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
