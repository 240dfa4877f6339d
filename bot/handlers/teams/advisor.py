"""The diagnostic in Teams: a card button or a typed message becomes a service call, and the
engine's replies become Adaptive Cards sent back to the same conversation (a channel thread
included); a person's conversation reference is kept, to write to them later. The counterpart
of Slack's `bot.handlers.slack.advisor`; `dispatch` decides which messages come here."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.engine.dialogue import help_reply
from bot.engine.replies import NoticeReply, Reply
from bot.engine.turn import Choice, Command
from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.cards import TeamsMessage
from bot.handlers.teams.render import render_all, welcome_message
from bot.handlers.teams.submit import Submitted
from bot.handlers.teams.translate import Message, plain_text
from bot.service import AdvisorService
from bot.views import catalogue
from storage.conversations import ConversationKey, ConversationStore

REMEMBERED_REFERENCES = 10_000
START_WORDS = frozenset({"start", "restart", "hi", "hello"})


class TeamsAdvisor:
    def __init__(self, service: AdvisorService, repository: ConversationStore) -> None:
        self._service = service
        self._repository = repository
        # The last reference saved per person: it rarely changes, and an upsert per message
        # would be a database write per message for nothing. Another process saves its own.
        self._saved: dict[ConversationKey, dict[str, Any]] = {}
        # What the saved reference was built from, to skip building it again when unchanged.
        self._seen: dict[ConversationKey, tuple[object, ...]] = {}

    async def on_card(self, message: Message, submitted: Submitted) -> None:
        """A button of one of our cards (an answer, a command, an `ask` form)."""
        await send(message.turn, render_all(await self._on_submit(message, submitted)))

    async def on_text(self, message: Message) -> None:
        """Typed text: an answer or a command in the personal chat, a question elsewhere."""
        await send(message.turn, render_all(await self._on_text(message)))

    async def welcome(self, turn_context: TurnContext, key: ConversationKey | None) -> None:
        """The bot was added: to a personal chat (`key`, whose reference is kept) or a team."""
        if key is not None:
            await self.remember(turn_context, key)
        await send(turn_context, [welcome_message(personal=key is not None)])

    async def _on_submit(self, message: Message, submitted: Submitted) -> list[Reply]:
        handle = functools.partial(self._service.handle, message.key, delivery_key=message.delivery)
        if submitted.kind == "answer":
            return await handle(choice=Choice(submitted.question_id, submitted.option_id))
        if submitted.kind == "ask":
            return await handle(command=Command.ASK, argument=plain_text(submitted.text))
        return await handle(command=Command(submitted.command))

    async def _on_text(self, message: Message) -> list[Reply]:
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

    def forget_saved(self, key: ConversationKey) -> None:
        self._saved.pop(key, None)
        self._seen.pop(key, None)

    async def remember(self, turn_context: TurnContext, key: ConversationKey) -> None:
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


async def send(turn_context: TurnContext, messages: Sequence[TeamsMessage]) -> None:
    for message in messages:
        await turn_context.send_activity(to_activity(message))
