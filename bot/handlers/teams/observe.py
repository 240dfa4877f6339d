"""What the Bot Framework adapter tells the observability package: the tenant of each
authenticated activity (a botbuilder middleware: it runs after the token check and before the
bot's handlers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter

from bot.handlers.teams.translate import PLATFORM, tenant_of
from bot.observability import context


class NoteTenant:
    async def on_turn(self, turn_context: TurnContext, logic: Callable[[], Awaitable[Any]]) -> None:
        context.note(platform=PLATFORM, workspace=tenant_of(turn_context.activity))
        await logic()


def observe(adapter: CloudAdapter) -> None:
    adapter.use(NoteTenant())
