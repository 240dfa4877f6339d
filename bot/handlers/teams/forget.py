""" "forget-me" in a personal chat with the bot, and the app's removal from it: deleting what the
advisor keeps about a person on Teams.

The flow has one confirmation step: typing `forget-me` (or `forget me`) in the personal chat
answers with a card saying what will be deleted, with "Delete my data" (destructive style) and
"Cancel". Pressing "Delete my data" deletes and replaces the card with what was deleted and
what stays (sent as a new message should the update fail, or when nothing was left to delete:
a double press must not draw "nothing to delete" over the first press's report). The buttons
carry no id: whoever presses one is whose data goes, and only the two of us see a personal
chat. Typed in a channel or group chat, it only says where to do it: nothing personal is
answered in front of others.

Nothing on this path records the person: no conversation reference is saved, no delivery key
written (a second press just finds nothing left to delete). Their private chat's delivery keys
("teams:<conversation id>:<activity id>", see `handler._delivery_key`) are deleted with the
rest.

Removing the app from the personal scope (`installationUpdate`, action "remove") deletes the
same data as "forget-me", silently (the bot can no longer write there). Removing it from a team
or group chat deletes nothing: the tenant's other teams and people still use it, and nobody's
own data lives in a team. "remove-upgrade" (an app update) deletes nothing either.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from botbuilder.core import TurnContext

from bot.forget import ForgetReport, ForgetService
from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.cards import (
    TeamsMessage,
)
from bot.handlers.teams.render import draw
from bot.handlers.teams.submit import (
    FORGET_CANCEL_KIND,
    FORGET_CONFIRM_KIND,
    FORGET_KINDS,
    SUBMIT_KEY,
)
from bot.handlers.teams.translate import (
    PERSONAL,
    conversation_key,
    conversation_type,
    delivery_prefix,
    plain_text,
)
from bot.views import catalogue
from bot.views import forget as views

log = logging.getLogger(__name__)

CONFIRM_KIND, CANCEL_KIND = FORGET_CONFIRM_KIND, FORGET_CANCEL_KIND
PLATFORM_NAME = "Teams"
FORGET_WORDS = frozenset({"forget-me", "forget me", "forgetme"})


def forget_word(text: str) -> bool:
    return " ".join(text.lower().strip(" .!?").split()) in FORGET_WORDS


def forget_kind(value: object) -> str | None:
    """CONFIRM_KIND or CANCEL_KIND when `value` is one of this card's buttons, else None."""
    if isinstance(value, Mapping) and value.get(SUBMIT_KEY) in FORGET_KINDS:
        return str(value[SUBMIT_KEY])
    return None


def confirmation_message() -> TeamsMessage:
    return draw(views.confirmation())


def report_message(report: ForgetReport) -> TeamsMessage:
    return draw(views.report(report.title, report.deleted, report.kept))


def notice_message(text: str) -> TeamsMessage:
    return draw(views.notice(text))


class TeamsForget:
    def __init__(self, service: ForgetService) -> None:
        self._service = service

    async def on_message(self, turn_context: TurnContext) -> bool:
        """Handle the message if it is about forgetting (the word, or a press on its card);
        False when it is not, and the handler carries on."""
        activity = turn_context.activity
        kind = forget_kind(activity.value)
        if kind is None:
            if activity.value is not None:
                return False
            recipient = activity.recipient.id if activity.recipient else ""
            if not forget_word(plain_text(activity.text, activity.entities or (), recipient)):
                return False
            if conversation_type(activity) == PERSONAL:
                await turn_context.send_activity(to_activity(confirmation_message()))
            else:
                await turn_context.send_activity(
                    to_activity(notice_message(catalogue.FORGET_IN_PRIVATE))
                )
            return True
        if conversation_type(activity) != PERSONAL:
            return True  # our card is only ever sent in a personal chat: a forged press
        if kind == CANCEL_KIND:
            await self._replace_card(turn_context, notice_message(catalogue.FORGET_CANCELLED))
            return True
        try:
            forgotten = await self._service.forget(
                conversation_key(activity), delivery_prefix=delivery_prefix(activity)
            )
        except Exception:
            log.exception("teams forget-me failed")
            await turn_context.send_activity(to_activity(notice_message(catalogue.FORGET_FAILED)))
            return True
        message = report_message(self._service.report(forgotten, PLATFORM_NAME))
        if forgotten.anything:
            await self._replace_card(turn_context, message)
        else:
            # Perhaps a second press of a card already redrawn: its report stays as it is.
            await turn_context.send_activity(to_activity(message))
        return True

    async def on_removed(self, turn_context: TurnContext) -> bool:
        """The app was removed: True when that deleted the person's data (personal scope)."""
        activity = turn_context.activity
        if activity.action != "remove" or conversation_type(activity) != PERSONAL:
            log.info(
                "teams app removed action=%s scope=%s: nothing deleted",
                activity.action,
                conversation_type(activity),
            )
            return False
        await self._service.forget(
            conversation_key(activity), delivery_prefix=delivery_prefix(activity)
        )
        return True

    async def _replace_card(self, turn_context: TurnContext, message: TeamsMessage) -> None:
        """Draw `message` over the pressed card, so its buttons are gone; a new message when
        the card cannot be updated (too old, or the press names no card)."""
        activity = to_activity(message)
        card_id = turn_context.activity.reply_to_id
        if card_id:
            activity.id = card_id
            try:
                await turn_context.update_activity(activity)
                return
            except Exception as error:
                log.info("teams forget card not updated error=%s", type(error).__name__)
            activity.id = None
        await turn_context.send_activity(activity)
