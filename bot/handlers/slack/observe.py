"""What the bolt app tells the observability package: the workspace of each verified request
(a bolt middleware, so it runs after the signature check and before any listener starts), and
listener errors, logged by type (an error's text can carry what someone typed) and counted."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.handlers.slack.translate import PLATFORM, workspace_of
from bot.observability import context as request_context
from bot.observability import record

log = logging.getLogger(__name__)


async def note_workspace(
    context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
) -> BoltResponse:
    request_context.ensure_request_id()  # Socket Mode: no HTTP request gave it one
    request_context.note(platform=PLATFORM, workspace=workspace_of(context))
    return await next()


async def on_listener_error(error: Exception) -> None:
    record.error("slack_listener")
    log.error("slack listener failed error=%s", type(error).__name__, exc_info=error)


def observe(bolt: AsyncApp) -> None:
    bolt.use(note_workspace)
    bolt.error(on_listener_error)
