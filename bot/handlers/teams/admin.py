"""`reload` and `knowledge` typed in a personal chat with the bot: knowledge administration in
Teams. Admins are the people ADMIN_USERS names, by AAD object id or Teams user id (Teams has
no workspace-admin flag a bot can read); everyone else gets a polite refusal, and every
attempt lands in the audit log."""

from __future__ import annotations

import logging

from botbuilder.core import MessageFactory, TurnContext

from bot.admin.live import Actor
from bot.admin.service import RELOAD, VIEW, KnowledgeAdmin, reload_report, status_report
from bot.handlers.teams.activities import markdown_activity
from bot.handlers.teams.render import markdown_text
from bot.handlers.teams.translate import PLATFORM, tenant_of, user_ids, user_of
from bot.views import admin as views
from bot.views import catalogue

log = logging.getLogger(__name__)

ACTIONS = {"reload": RELOAD, "knowledge": VIEW}


def admin_word(text: str) -> str | None:
    """The admin command a personal-chat message is, if it is one (`reload`, `knowledge`)."""
    word = text.strip().strip(" .!?").lower()
    return word if word in ACTIONS else None


class TeamsAdmin:
    def __init__(self, admin: KnowledgeAdmin) -> None:
        self._admin = admin

    async def on_text(self, turn_context: TurnContext, word: str) -> None:
        activity = turn_context.activity
        action = ACTIONS[word]
        who = Actor(PLATFORM, user_of(activity), tenant_of(activity))
        try:
            if not self._admin.listed(*user_ids(activity)):
                await self._admin.refused(who, action)
                await turn_context.send_activity(MessageFactory.text(catalogue.ADMINS_ONLY))
                return
            if action == RELOAD:
                report = reload_report(await self._admin.reload(who))
            else:
                report = status_report(await self._admin.status(who), who)
        except Exception as error:
            log.error("teams admin command failed action=%s error=%s", action, type(error).__name__)
            await turn_context.send_activity(MessageFactory.text(catalogue.SORRY))
            return
        await turn_context.send_activity(markdown_activity(markdown_text(views.report(report))))
