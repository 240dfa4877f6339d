"""Which part of the bot takes each Teams activity: one ordered routing table for messages,
and the invokes, installs and removals (the counterpart of Slack's
`bot.handlers.slack.dispatch`). The diagnostic's own work is `advisor`'s."""

from __future__ import annotations

import logging

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import ChannelAccount

from bot.handlers.teams import pulse_args
from bot.handlers.teams.admin import TeamsAdmin, admin_word
from bot.handlers.teams.advisor import TeamsAdvisor
from bot.handlers.teams.export_file import FILE_CONSENT_INVOKE, is_report_consent
from bot.handlers.teams.forget import TeamsForget
from bot.handlers.teams.pulse import TeamsPulse
from bot.handlers.teams.report import TeamsReport
from bot.handlers.teams.submit import REPORT_KIND, is_pulse, parse_submit
from bot.handlers.teams.translate import (
    PERSONAL,
    Message,
    conversation_key,
    conversation_type,
    delivery_key,
)
from bot.service import AdvisorService
from storage.conversations import ConversationStore

log = logging.getLogger(__name__)


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
        self._advisor = TeamsAdvisor(service, repository)
        self._report = TeamsReport(service)
        self._pulse = pulse
        self._admin = admin
        self._forget = forget

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A message, a card button or a form: the first route that takes it answers. The order
        is the rule: survey answers and forget-me come before anything that records the person
        (their conversation reference, a delivery key of their private chat), so a survey's
        answers stay unlinkable and a forgotten person is not written down again."""
        message = Message.of(turn_context)
        for route in (
            self._pulse_answers,
            self._forget_me,
            self._record_person,
            self._report_button,
            self._card_button,
            self._unreadable_value,
            self._pulse_command,
            self._admin_command,
            self._diagnostic,
        ):
            if await route(message):
                return

    # --- the routes, in order: each says whether it took the message ---------------------------

    async def _pulse_answers(self, message: Message) -> bool:
        if not is_pulse(message.activity.value):
            return False
        if self._pulse is not None:
            await self._pulse.on_submit(message.turn, parse_submit(message.activity.value))
        return True

    async def _forget_me(self, message: Message) -> bool:
        if self._forget is None or not await self._forget.on_message(message.turn):
            return False
        # This process must save their reference again when they next write.
        self._advisor.forget_saved(message.key)
        return True

    async def _record_person(self, message: Message) -> bool:
        """Never takes the message: keeps the reference to write to this person later."""
        if message.personal:
            await self._advisor.remember(message.turn, message.key)
        return False

    async def _report_button(self, message: Message) -> bool:
        submitted = parse_submit(message.activity.value)
        if submitted is None or submitted.kind != REPORT_KIND:
            return False
        await self._report.on_button(message)
        return True

    async def _card_button(self, message: Message) -> bool:
        value = message.activity.value
        submitted = parse_submit(value) if value is not None else None
        if submitted is None:
            return False
        await self._advisor.on_card(message, submitted)
        return True

    async def _unreadable_value(self, message: Message) -> bool:
        """A value that is not one of our cards', with no text to read instead."""
        if message.activity.value is None or (message.activity.text or "").strip():
            return False
        log.warning("teams submit with an unreadable value user=%s", message.key.user)
        return True

    async def _pulse_command(self, message: Message) -> bool:
        """`pulse ...`: once per delivery in a channel (a redelivered launch would post a second
        survey); that key names a message everyone in the channel sees, not a private chat."""
        if self._pulse is None or not pulse_args.is_pulse(message.text):
            return False
        if message.personal or await self._service.first_delivery(message.delivery):
            await self._pulse.on_text(message.turn, message.text)
        return True

    async def _admin_command(self, message: Message) -> bool:
        word = admin_word(message.text) if message.personal else None
        if word is None or self._admin is None:
            return False
        if await self._service.first_delivery(message.delivery):
            await self._admin.on_text(message.turn, word)
        return True

    async def _diagnostic(self, message: Message) -> bool:
        await self._advisor.on_text(message)
        return True

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """`fileConsent/invoke`, the answer to a file consent card: a report's or a pulse
        export's, as the card's context says; once per delivery (an upload URL takes one
        upload). Other invokes are the SDK's, which answers 501 to those it does not know."""
        activity = turn_context.activity
        if activity.name != FILE_CONSENT_INVOKE:
            return await super().on_invoke_activity(turn_context)
        if is_report_consent(activity.value):
            answer = self._report.on_file_consent
        elif self._pulse is not None:
            answer = self._pulse.on_file_consent
        else:
            return await super().on_invoke_activity(turn_context)
        if await self._service.first_delivery(delivery_key(activity)):
            await answer(turn_context)
        return InvokeResponse(status=200)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(member.id == bot_id for member in members_added):
            return  # someone else joined a team the bot is in: nothing to say
        personal = conversation_type(activity) == PERSONAL
        await self._advisor.welcome(turn_context, conversation_key(activity) if personal else None)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Removed from a personal chat: that person's data goes (see `forget`)."""
        if self._forget is not None and await self._forget.on_removed(turn_context):
            self._advisor.forget_saved(conversation_key(turn_context.activity))
