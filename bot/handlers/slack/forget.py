"""`/ai-owner forget-me`: delete everything the advisor keeps about the person who asks.

The flow has one confirmation step: the command answers privately (an ephemeral message,
only they see it) with what will be deleted and two buttons, "Delete my data" (danger style)
and "Cancel". The press replaces that message with what was deleted and what stays. The
button carries no id: whoever presses it is whose data goes, and an ephemeral message can only
be pressed by the person it was shown to. A double click is recognised like any other (the
delivery key is a hash, kept a day), so the report is not replaced by "nothing to delete".
After deleting, the App Home tab is drawn again without the old result.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.forget import ForgetReport, ForgetService
from bot.handlers.slack import ids, render
from bot.handlers.slack.translate import conversation_key, delivery_key, plain_text
from bot.views import catalogue
from bot.views import forget as views
from bot.views.document import Document

log = logging.getLogger(__name__)

CONFIRM_ACTION, CANCEL_ACTION = ids.FORGET_CONFIRM_ACTION, ids.FORGET_CANCEL_ACTION
PLATFORM_NAME = "Slack"
FORGET_WORDS = (("forget-me",), ("forget", "me"), ("forgetme",))


async def is_forget_command(command: dict[str, Any]) -> bool:
    """A bolt matcher: `/ai-owner forget-me` (or `forget me`) goes to this listener."""
    words = tuple(plain_text(str(command.get("text", ""))).lower().split())
    return words in FORGET_WORDS


def confirmation_blocks() -> list[dict[str, Any]]:
    return render.fitted_blocks(views.confirmation())


def report_blocks(report: ForgetReport) -> list[dict[str, Any]]:
    return render.fitted_blocks(_report(report))


def report_text(report: ForgetReport) -> str:
    """The notification fallback: the title and what went."""
    return _report(report).fallback


def _report(report: ForgetReport) -> Document:
    return views.report(report.title, report.deleted, report.kept)


class SlackForget:
    def __init__(
        self, service: ForgetService, first_delivery: Callable[[str | None], Awaitable[bool]]
    ) -> None:
        self._service = service
        self._first_delivery = first_delivery

    async def on_command(self, ack: AsyncAck) -> None:
        # The ack's own body is the ephemeral answer: nothing to look up, nothing recorded.
        await ack(
            text=catalogue.FORGET_CONFIRM_TITLE,
            blocks=confirmation_blocks(),
            response_type="ephemeral",
        )

    async def on_confirm(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        delivery = delivery_key(body)
        if not await self._first_delivery(delivery):
            return
        key = conversation_key(context)
        try:
            forgotten = await self._service.forget(key)
        except Exception:
            log.exception("slack forget-me failed workspace=%s", key.workspace)
            await respond(
                text=catalogue.FORGET_FAILED, replace_original=True, response_type="ephemeral"
            )
            return
        report = self._service.report(forgotten, PLATFORM_NAME)
        await respond(
            text=report_text(report),
            blocks=report_blocks(report),
            replace_original=True,
            response_type="ephemeral",
        )
        await self._clear_home(client, key.user)

    async def on_cancel(self, ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(
            text=catalogue.FORGET_CANCELLED, replace_original=True, response_type="ephemeral"
        )

    async def _clear_home(self, client: AsyncWebClient, user: str) -> None:
        """The App Home tab still shows the deleted result until it is drawn again."""
        try:
            await client.views_publish(user_id=user, view=render.home_view(None, False))
        except SlackApiError as error:
            log.info("home tab not redrawn after forget-me error=%s", error.response.get("error"))
