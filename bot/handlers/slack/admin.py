"""`/ai-owner reload` and `/ai-owner knowledge`: knowledge administration in Slack.

Admins are the people ADMIN_USERS names and the workspace's admins and owners (Slack's
`users.info`, asked only when ADMIN_USERS does not already say yes). Everyone else is told,
politely and privately, that it is for admins; every attempt lands in the audit log. Answers
are ephemeral, through the command's response_url.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.admin.live import Actor
from bot.admin.service import RELOAD, VIEW, KnowledgeAdmin, reload_report, status_report
from bot.handlers.slack.identity import workspace_admin
from bot.handlers.slack.render import draw
from bot.handlers.slack.translate import PLATFORM, plain_text, workspace_of
from bot.views import admin as views
from bot.views import catalogue

log = logging.getLogger(__name__)

ACTIONS = {"reload": RELOAD, "knowledge": VIEW}


async def is_admin_command(command: dict[str, Any]) -> bool:
    """A bolt matcher: `/ai-owner reload` and `/ai-owner knowledge` go to the admin listener."""
    words = plain_text(str(command.get("text", ""))).lower().split()
    return len(words) == 1 and words[0] in ACTIONS


class SlackAdmin:
    def __init__(self, admin: KnowledgeAdmin) -> None:
        self._admin = admin

    async def on_command(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        word = plain_text(str(command.get("text", ""))).lower().strip()
        action = ACTIONS[word]
        who = Actor(PLATFORM, context.user_id or "unknown", workspace_of(context))
        try:
            if not await self._allowed(client, who.user):
                await self._admin.refused(who, action)
                await respond(text=catalogue.ADMINS_ONLY, response_type="ephemeral")
                return
            if action == RELOAD:
                report = reload_report(await self._admin.reload(who))
            else:
                status = await self._admin.status(who)
                report = status_report(status, who, mentions=True)
        except Exception:
            log.exception("slack admin command failed action=%s", action)
            await respond(text=catalogue.SORRY, response_type="ephemeral")
            return
        message = draw(views.report(report))
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")

    async def _allowed(self, client: AsyncWebClient, user: str) -> bool:
        return self._admin.listed(user) or await workspace_admin(client, user)
