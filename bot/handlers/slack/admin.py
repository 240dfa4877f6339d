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
from bot.admin.service import (
    RELOAD,
    VIEW,
    AdminReport,
    KnowledgeAdmin,
    reload_report,
    status_report,
)
from bot.handlers.slack.identity import workspace_admin, workspace_of
from bot.handlers.slack.incoming import plain_text
from bot.views import catalogue

log = logging.getLogger(__name__)

PLATFORM = "slack"
ACTIONS = {"reload": RELOAD, "knowledge": VIEW}
# Slack refuses a section over 3000 characters and a message of much over 13,000.
SECTION_CHARS = 2900
MESSAGE_ERROR_CHARS = 11_000


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
                report = status_report(status, who, mention=lambda user: f"<@{user}>")
        except Exception:
            log.exception("slack admin command failed action=%s", action)
            await respond(text=catalogue.SORRY, response_type="ephemeral")
            return
        text, blocks = report_message(report)
        await respond(text=text, blocks=blocks, response_type="ephemeral")

    async def _allowed(self, client: AsyncWebClient, user: str) -> bool:
        return self._admin.listed(user) or await workspace_admin(client, user)


def report_message(report: AdminReport) -> tuple[str, list[dict[str, Any]]]:
    """The report as Block Kit: the headline, the facts, and every error in code blocks (as
    many as fit in one message; the rest are counted, not dropped silently)."""
    mark = ":white_check_mark:" if report.ok else ":warning:"
    blocks: list[dict[str, Any]] = [_section(f"{mark} *{report.title}*")]
    if report.facts:
        blocks.append(_section("\n".join(report.facts)))
    if report.errors:
        blocks.append(_section(f"*{report.errors_title}*"))
        chunks, left = _error_chunks(report.errors)
        blocks.extend(_section(f"```{chunk}```") for chunk in chunks)
        if left:
            blocks.append(_section(catalogue.more_errors(left)))
    return report.title, blocks


def _error_chunks(errors: tuple[str, ...]) -> tuple[list[str], int]:
    chunks: list[str] = []
    current: list[str] = []
    size = total = 0
    for index, error in enumerate(errors):
        line = _escape(error)[: SECTION_CHARS - 10]
        if total + len(line) > MESSAGE_ERROR_CHARS:
            if current:
                chunks.append("\n".join(current))
            return chunks, len(errors) - index
        if size + len(line) + 1 > SECTION_CHARS - 6 and current:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        total += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks, 0


def _escape(text: str) -> str:
    """Knowledge text shown as code: Slack's three control characters escaped, and no run of
    backticks that could end the code block early."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("```", "'''")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
