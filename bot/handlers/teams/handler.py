"""What the Teams bot does with each activity: translate it into a service call, and the
engine's replies into Adaptive Cards sent back to the same conversation (a channel thread
included)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.engine.dialogue import help_reply
from bot.engine.replies import NoticeReply, Reply
from bot.engine.turn import Choice, Command
from bot.handlers.teams import pulse_args
from bot.handlers.teams.activities import (
    PERSONAL,
    PLATFORM,
    conversation_key,
    conversation_type,
    to_activity,
)
from bot.handlers.teams.admin import TeamsAdmin, admin_word
from bot.handlers.teams.cards import TeamsMessage
from bot.handlers.teams.export_file import FILE_CONSENT_INVOKE
from bot.handlers.teams.forget import TeamsForget, delivery_prefix
from bot.handlers.teams.incoming import plain_text
from bot.handlers.teams.pulse import TeamsPulse
from bot.handlers.teams.render import render_all, welcome_message
from bot.handlers.teams.submit import Submitted, is_pulse, parse_submit
from bot.service import AdvisorService
from bot.views import catalogue
from storage.conversations import ConversationKey, ConversationStore

log = logging.getLogger(__name__)

__all__ = ["PERSONAL", "PLATFORM", "AdvisorTeamsBot", "conversation_key", "send", "to_activity"]

REMEMBERED_REFERENCES = 10_000
START_WORDS = frozenset({"start", "restart", "hi", "hello"})


class AdvisorTeamsBot(ActivityHandler):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(
        self,
        service: AdvisorService,
        repository: ConversationStore,
        pulse: TeamsPulse | None = None,
        admin: TeamsAdmin | None = None,
        forget: TeamsForget | None = None,
    ) -> None:
        self._service = service
        self._repository = repository
        self._pulse = pulse
        self._admin = admin
        self._forget = forget
        # The last reference saved per person: it rarely changes, and an upsert per message
        # would be a database write per message for nothing. Another process saves its own.
        self._saved: dict[ConversationKey, dict[str, Any]] = {}

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if is_pulse(activity.value):
            # Before anything below records the person (their conversation reference, a
            # delivery key of their private chat): a survey's answers stay unlinkable.
            if self._pulse is not None:
                await self._pulse.on_submit(turn_context, parse_submit(activity.value))
            return
        if self._forget is not None and await self._forget.on_message(turn_context):
            # Also before anything records the person; and this process must save their
            # reference again when they next write, should they have been forgotten.
            self._saved.pop(conversation_key(activity), None)
            return
        delivery = _delivery_key(activity)
        key = conversation_key(activity)
        personal = conversation_type(activity) == PERSONAL
        if personal:
            await self._remember(turn_context, key)
        submitted = parse_submit(activity.value) if activity.value is not None else None
        if submitted is not None:
            replies = await self._on_submit(key, submitted, delivery)
        elif activity.value is not None and not (activity.text or "").strip():
            log.warning("teams submit with an unreadable value user=%s", key.user)
            return
        else:
            recipient = activity.recipient.id if activity.recipient else ""
            text = plain_text(activity.text, activity.entities or (), recipient)
            if self._pulse is not None and pulse_args.is_pulse(text):
                await self._on_pulse(self._pulse, turn_context, text, delivery)
                return
            word = admin_word(text) if personal else None
            if word is not None and self._admin is not None:
                if await self._service.first_delivery(delivery):
                    await self._admin.on_text(turn_context, word)
                return
            replies = await self._on_text(key, text, personal, delivery)
        await send(turn_context, render_all(replies))

    async def _on_pulse(
        self, pulse: TeamsPulse, turn_context: TurnContext, text: str, delivery: str | None
    ) -> None:
        """`pulse ...`: once per delivery in a channel (a redelivered launch would post a second
        survey); that key names a message everyone in the channel sees, not a private chat."""
        channel = conversation_type(turn_context.activity) != PERSONAL
        if channel and not await self._service.first_delivery(delivery):
            return
        await pulse.on_text(turn_context, text)

    async def _on_submit(
        self, key: ConversationKey, submitted: Submitted, delivery: str | None
    ) -> list[Reply]:
        handle = functools.partial(self._service.handle, key, delivery_key=delivery)
        if submitted.kind == "answer":
            return await handle(choice=Choice(submitted.question_id, submitted.option_id))
        if submitted.kind == "ask":
            return await handle(command=Command.ASK, argument=plain_text(submitted.text))
        return await handle(command=Command(submitted.command))

    async def _on_text(
        self, key: ConversationKey, text: str, personal: bool, delivery: str | None
    ) -> list[Reply]:
        if personal:
            return await self._service.handle(key, text=text, delivery_key=delivery)
        word = text.lower().strip(" .!?")
        if not text or word == "help" or word in START_WORDS:
            if not await self._service.first_delivery(delivery):
                return []
            if word in START_WORDS:
                return [NoticeReply(catalogue.DIAGNOSTIC_IN_PRIVATE)]
            return [help_reply()]
        return await self._service.handle(
            key, command=Command.ASK, argument=text, delivery_key=delivery
        )

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """`fileConsent/invoke`, the answer to a pulse export's file consent card, once per
        delivery (an upload URL takes one upload). Other invokes are the SDK's, which answers
        501 to those it does not know."""
        activity = turn_context.activity
        if activity.name != FILE_CONSENT_INVOKE or self._pulse is None:
            return await super().on_invoke_activity(turn_context)
        if await self._service.first_delivery(_delivery_key(activity)):
            await self._pulse.on_file_consent(turn_context)
        return InvokeResponse(status=200)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(member.id == bot_id for member in members_added):
            return  # someone else joined a team the bot is in: nothing to say
        personal = conversation_type(activity) == PERSONAL
        if personal:
            await self._remember(turn_context, conversation_key(activity))
        await send(turn_context, [welcome_message(personal)])

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Removed from a personal chat: that person's data goes (see `forget`)."""
        if self._forget is not None and await self._forget.on_removed(turn_context):
            self._saved.pop(conversation_key(turn_context.activity), None)

    async def _remember(self, turn_context: TurnContext, key: ConversationKey) -> None:
        """Keep the conversation reference, so the bot can write to this person later."""
        reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        # activityId names the message being answered: it changes every turn and is not
        # needed to start a new message in the conversation later.
        reference.pop("activityId", None)
        if self._saved.get(key) == reference:
            return
        await self._repository.save_reference(key, reference, datetime.now(UTC))
        if len(self._saved) >= REMEMBERED_REFERENCES:
            self._saved.clear()
        self._saved[key] = reference


def _delivery_key(activity: Activity) -> str | None:
    """Teams redelivers an activity when the bot is slow: the same conversation and activity
    id, processed once. The service records the key with the turn it starts."""
    if not activity.id:
        return None
    # Without a conversation id there is no prefix (nothing to forget by): such a key keeps
    # its own form, "teams::<activity id>" (or "teams:None:<activity id>").
    prefix = delivery_prefix(activity)
    if prefix is None:
        conversation = activity.conversation.id if activity.conversation else ""
        prefix = f"teams:{conversation}:"
    return f"{prefix}{activity.id}"


async def send(turn_context: TurnContext, messages: Sequence[TeamsMessage]) -> None:
    for message in messages:
        await turn_context.send_activity(to_activity(message))
