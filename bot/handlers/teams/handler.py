"""What the Teams bot does with each activity: translate it into a service call, and the
engine's replies into Adaptive Cards sent back to the same conversation (a channel thread
included)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
        # What the saved reference was built from, to skip building it again when unchanged.
        self._seen: dict[ConversationKey, tuple[object, ...]] = {}

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A message, a card button or a form: the first route that takes it answers. The order
        is the rule: survey answers and forget-me come before anything that records the person
        (their conversation reference, a delivery key of their private chat), so a survey's
        answers stay unlinkable and a forgotten person is not written down again."""
        message = _Message.of(turn_context)
        for route in (
            self._pulse_answers,
            self._forget_me,
            self._record_person,
            self._card_button,
            self._unreadable_value,
            self._pulse_command,
            self._admin_command,
            self._diagnostic,
        ):
            if await route(message):
                return

    # --- the routes, in order: each says whether it took the message ---------------------------

    async def _pulse_answers(self, message: _Message) -> bool:
        if not is_pulse(message.activity.value):
            return False
        if self._pulse is not None:
            await self._pulse.on_submit(message.turn, parse_submit(message.activity.value))
        return True

    async def _forget_me(self, message: _Message) -> bool:
        if self._forget is None or not await self._forget.on_message(message.turn):
            return False
        # This process must save their reference again when they next write.
        self._forget_saved(message.key)
        return True

    async def _record_person(self, message: _Message) -> bool:
        """Never takes the message: keeps the reference to write to this person later."""
        if message.personal:
            await self._remember(message.turn, message.key)
        return False

    async def _card_button(self, message: _Message) -> bool:
        value = message.activity.value
        submitted = parse_submit(value) if value is not None else None
        if submitted is None:
            return False
        await send(message.turn, render_all(await self._on_submit(message, submitted)))
        return True

    async def _unreadable_value(self, message: _Message) -> bool:
        """A value that is not one of our cards', with no text to read instead."""
        if message.activity.value is None or (message.activity.text or "").strip():
            return False
        log.warning("teams submit with an unreadable value user=%s", message.key.user)
        return True

    async def _pulse_command(self, message: _Message) -> bool:
        """`pulse ...`: once per delivery in a channel (a redelivered launch would post a second
        survey); that key names a message everyone in the channel sees, not a private chat."""
        if self._pulse is None or not pulse_args.is_pulse(message.text):
            return False
        if message.personal or await self._service.first_delivery(message.delivery):
            await self._pulse.on_text(message.turn, message.text)
        return True

    async def _admin_command(self, message: _Message) -> bool:
        word = admin_word(message.text) if message.personal else None
        if word is None or self._admin is None:
            return False
        if await self._service.first_delivery(message.delivery):
            await self._admin.on_text(message.turn, word)
        return True

    async def _diagnostic(self, message: _Message) -> bool:
        await send(message.turn, render_all(await self._on_text(message)))
        return True

    async def _on_submit(self, message: _Message, submitted: Submitted) -> list[Reply]:
        handle = functools.partial(self._service.handle, message.key, delivery_key=message.delivery)
        if submitted.kind == "answer":
            return await handle(choice=Choice(submitted.question_id, submitted.option_id))
        if submitted.kind == "ask":
            return await handle(command=Command.ASK, argument=plain_text(submitted.text))
        return await handle(command=Command(submitted.command))

    async def _on_text(self, message: _Message) -> list[Reply]:
        key, text, delivery = message.key, message.text, message.delivery
        if message.personal:
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
            self._forget_saved(conversation_key(turn_context.activity))

    def _forget_saved(self, key: ConversationKey) -> None:
        self._saved.pop(key, None)
        self._seen.pop(key, None)

    async def _remember(self, turn_context: TurnContext, key: ConversationKey) -> None:
        """Keep the conversation reference, so the bot can write to this person later."""
        activity = turn_context.activity
        where = _reference_parts(activity)
        if self._seen.get(key) == where:
            return  # the same reference as last time: no need to build and compare it
        reference = TurnContext.get_conversation_reference(activity).serialize()
        # activityId names the message being answered: it changes every turn and is not
        # needed to start a new message in the conversation later.
        reference.pop("activityId", None)
        if self._saved.get(key) == reference:
            return
        await self._repository.save_reference(key, reference, datetime.now(UTC))
        if len(self._saved) >= REMEMBERED_REFERENCES:
            self._saved.clear()
            self._seen.clear()
        self._saved[key] = reference
        self._seen[key] = where


def _reference_parts(activity: Activity) -> tuple[object, ...]:
    """Everything a conversation reference is made of but the activity id: the accounts and
    the conversation as their attributes (a copy of each goes into the reference)."""
    accounts = (activity.from_property, activity.recipient, activity.conversation)
    return (
        activity.service_url,
        activity.channel_id,
        activity.locale,
        *(None if account is None else dict(vars(account)) for account in accounts),
    )


@dataclass(frozen=True)
class _Message:
    """An incoming message activity, read once for every route."""

    turn: TurnContext
    activity: Activity
    key: ConversationKey
    personal: bool
    delivery: str | None
    text: str  # the typed text, the bot's own mention removed

    @classmethod
    def of(cls, turn: TurnContext) -> _Message:
        activity = turn.activity
        recipient = activity.recipient.id if activity.recipient else ""
        return cls(
            turn,
            activity,
            conversation_key(activity),
            conversation_type(activity) == PERSONAL,
            _delivery_key(activity),
            plain_text(activity.text, activity.entities or (), recipient),
        )


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
