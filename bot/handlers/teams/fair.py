"""Teams turns taken fairly between conversations (see `bot.fair_turns`).

A Teams request is answered once its turn is done, so a burst of activities would otherwise
all work at once, and a newcomer's first question would wait behind all of them for the event
loop and the database. Turns are taken after the SDK has checked the token (a forger cannot
queue work under someone's name) and a turned-away message gets one polite busy reply per
conversation a minute. The Bot Framework gives up on a turn after 15 seconds, so work is turned
away sooner than on Slack.
"""

from __future__ import annotations

import logging

from botbuilder.core import Bot, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.fair_turns import Busy, BusyReplies, FairTurns
from bot.views.catalogue import BUSY

log = logging.getLogger(__name__)

TURNS = 8
PATIENCE_SECONDS = 8.0


def conversation_of(activity: Activity) -> str:
    """The tenant and person (or the conversation, for activities without a sender)."""
    conversation = activity.conversation
    tenant = getattr(conversation, "tenant_id", None) or ""
    sender = activity.from_property
    who = (sender.aad_object_id or sender.id) if sender is not None else None
    return f"{tenant}:{who or (conversation.id if conversation is not None else '')}"


class FairTurnsBot(Bot):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(self, inner: Bot, turns: FairTurns | None = None) -> None:
        self._inner = inner
        self._turns = turns or FairTurns(TURNS, patience_seconds=PATIENCE_SECONDS)
        self._busy_replies = BusyReplies("teams", self._turns)

    async def on_turn(self, context: TurnContext) -> None:
        if context.activity.type == ActivityTypes.invoke:
            # An invoke (a file consent, a sign-in) must be answered with an invoke response,
            # which only the inner bot gives: never turned away, and rare enough not to queue.
            await self._inner.on_turn(context)
            return
        conversation = conversation_of(context.activity)
        try:
            release = await self._turns.acquire(conversation)
        except Busy as busy:
            await self._turned_away(context, conversation, busy.reason)
            return
        try:
            await self._inner.on_turn(context)
        finally:
            release()

    async def _turned_away(self, context: TurnContext, conversation: str, reason: str) -> None:
        told = self._busy_replies.turned_away(conversation, reason)
        if told and context.activity.type == ActivityTypes.message:
            await context.send_activity(Activity(type=ActivityTypes.message, text=BUSY))
