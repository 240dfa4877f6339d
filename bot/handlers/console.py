"""The terminal front end: the same engine and storage as the chat platforms, one line in,
replies drawn with rich. Works interactively and with answers piped on standard input."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.console import Console

from bot.engine.turn import Command
from bot.handlers.console_render import render
from bot.service import AdvisorService
from storage.repository import ConversationKey

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
        line = await asyncio.to_thread(read)
        if line is None or line.strip().lower() in QUIT:
            console.print("Bye. Your progress is saved: run `advisor chat` to pick it up.")
            return
        render(console, await service.handle(key, text=line))
