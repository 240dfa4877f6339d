"""What the Slack app does with each kind of request. Every listener acks first (Slack wants
an answer within 3 seconds) and then does the work: a service call, and the replies drawn as
Block Kit and posted through the Web API."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.dialogue import help_reply
from bot.engine.replies import AcknowledgementReply, Reply
from bot.engine.turn import Choice, Command
from bot.handlers.slack import blocks, ids, render
from bot.handlers.slack.identity import open_dm
from bot.handlers.slack.translate import PLATFORM, conversation_key, delivery_key, plain_text
from bot.service import AdvisorService
from bot.views import catalogue
from storage.conversations import ConversationKey
from storage.lifecycle import LifecycleStore

log = logging.getLogger(__name__)

# Subcommands of /ai-owner that run an engine command in the user's DM.
DM_COMMANDS = {
    "": Command.START,
    "start": Command.START,
    "restart": Command.RESTART,
    "resume": Command.RESUME,
    "back": Command.BACK,
    "skip": Command.SKIP,
    "why": Command.WHY,
    "cancel": Command.CANCEL,
    "summary": Command.SUMMARY,
}


class SlackAdvisor:
    """The listeners, bound to the service and storage they need."""

    def __init__(
        self,
        service: AdvisorService,
        repository: LifecycleStore,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self._service = service
        self._repository = repository
        self._installations = installation_store

    # --- slash command ---------------------------------------------------------------------

    async def on_command(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        sub, _, argument = plain_text(command.get("text", "")).partition(" ")
        sub = sub.lower()
        key = conversation_key(context)
        if sub in DM_COMMANDS:
            starting = DM_COMMANDS[sub] in (Command.START, Command.RESTART, Command.RESUME)
            await ack(text=catalogue.DIAGNOSTIC_STARTED if starting else catalogue.ANSWERED_IN_DM)
            channel = await open_dm(client, key.user)
            replies = await self._service.handle(key, command=DM_COMMANDS[sub])
            await post(client, channel, replies)
            return
        await ack()
        if sub == "ask":
            replies = await self._service.handle(key, command=Command.ASK, argument=argument)
            await respond_with(respond, replies)
        elif sub == "help":
            await respond_with(respond, [help_reply()])
        else:
            message = render.help_message(help_reply().commands, unknown=sub)
            await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")

    # --- buttons -----------------------------------------------------------------------------

    async def on_answer(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        key = conversation_key(context)
        button = ids.AnswerButton.parse(str(action.get("value", "")))
        if button is None:
            log.warning("slack answer with an unreadable value user=%s", key.user)
            return
        choice = Choice(button.question_id, button.option_id)
        # The delivery is recorded with the turn's save: one transaction per answer, and a
        # redelivered press (a retry, a double click) answers nothing.
        replies = await self._service.handle(key, choice=choice, delivery_key=delivery_key(body))
        if not replies:
            return
        channel = await self._reply_channel(client, body, key)
        first = replies[0] if replies else None
        message = body.get("message")
        if (
            isinstance(first, AcknowledgementReply)
            and first.question_id == button.question_id
            and isinstance(message, dict)
        ):
            # The question reads as answered in the history; the next question follows.
            answered = blocks.answered_question(message.get("blocks") or [], first.answer)
            await client.chat_update(
                channel=channel, ts=message["ts"], text=answered.text, blocks=answered.blocks
            )
            replies = replies[1:]
        await post(client, channel, replies)

    async def on_command_button(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        key = conversation_key(context)
        name = str(action.get("value", ""))
        if name not in {command.value for command in Command} or name == Command.ASK:
            log.warning("slack command button with an unknown value user=%s", key.user)
            return
        delivery = delivery_key(body)
        replies = await self._service.handle(key, command=Command(name), delivery_key=delivery)
        if replies:
            await post(client, await self._reply_channel(client, body, key), replies)

    async def on_share_button(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=blocks.share_modal(""))

    async def on_ask_button(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=blocks.ask_modal(""))

    # --- modals ----------------------------------------------------------------------------

    async def on_share_submitted(
        self,
        ack: AsyncAck,
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        values = view.get("state", {}).get("values", {})
        selected = values.get(ids.SHARE_CHANNEL_BLOCK, {}).get(ids.SHARE_CHANNEL_ACTION, {})
        channel = selected.get("selected_conversation")
        if not channel:
            await ack(
                response_action="errors",
                errors={ids.SHARE_CHANNEL_BLOCK: catalogue.PICK_CHANNEL},
            )
            return
        await ack()
        key = conversation_key(context)
        overview = await self._service.overview(key)
        dm = await open_dm(client, key.user)
        if overview.summary is None:
            await client.chat_postMessage(channel=dm, text=catalogue.NO_RESULT_TO_SHARE)
            return
        card = render.summary_message(overview.summary, shared_by=key.user)
        try:
            await client.chat_postMessage(channel=channel, text=card.text, blocks=card.blocks)
        except SlackApiError as error:
            log.info("share failed user=%s error=%s", key.user, error.response.get("error"))
            await client.chat_postMessage(channel=dm, text=catalogue.SHARE_FAILED)
            return
        shared = catalogue.shared_in(f"<#{channel}>")
        await client.chat_postMessage(channel=dm, text=shared)

    async def on_ask_submitted(
        self,
        ack: AsyncAck,
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        values = view.get("state", {}).get("values", {})
        typed = values.get(ids.ASK_INPUT_BLOCK, {}).get(ids.ASK_INPUT_ACTION, {}).get("value")
        key = conversation_key(context)
        replies = await self._service.handle(
            key, command=Command.ASK, argument=plain_text(str(typed or ""))
        )
        await post(client, await open_dm(client, key.user), replies)

    # --- events ----------------------------------------------------------------------------

    async def on_message(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # only people's own messages in the DM; never our own posts
        if not context.user_id:
            return  # a message from nobody: no one's conversation to answer
        key = conversation_key(context)
        text = plain_text(str(event.get("text", "")), context.bot_user_id)
        replies = await self._service.handle(key, text=text, delivery_key=delivery_key(body))
        await post(client, event["channel"], replies)

    async def on_mention(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if not context.user_id or await self._is_redelivery(body):
            return  # a mention by nobody, or one already answered
        key = conversation_key(context)
        text = plain_text(str(event.get("text", "")), context.bot_user_id)
        thread = event.get("thread_ts") or event.get("ts")
        word = text.lower().strip(" .!?")
        if word in ("start", "restart"):
            channel = await open_dm(client, key.user)
            command = Command.START if word == "start" else Command.RESTART
            await post(client, channel, await self._service.handle(key, command=command))
            await client.chat_postMessage(
                channel=event["channel"], thread_ts=thread, text=catalogue.DIAGNOSTIC_STARTED
            )
            return
        replies: list[Reply]
        if not text or word == "help":
            replies = [help_reply()]
        else:
            replies = await self._service.handle(key, command=Command.ASK, argument=text)
        await post(client, event["channel"], replies, thread_ts=thread)

    async def on_home_opened(
        self, event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("tab") != "home" or not context.user_id:
            return
        key = conversation_key(context)
        overview = await self._service.overview(key)
        view = render.home_view(overview.summary, overview.in_progress)
        await client.views_publish(user_id=key.user, view=view)

    async def on_uninstalled(self, context: AsyncBoltContext) -> None:
        """The app left the workspace: its installation and every conversation go with it."""
        workspace = context.team_id or context.enterprise_id
        if workspace is None:
            return
        if self._installations is not None:
            await self._installations.async_delete_all(
                enterprise_id=context.enterprise_id, team_id=context.team_id
            )
        deleted = await self._repository.delete_workspace(PLATFORM, workspace)
        log.info("slack workspace removed workspace=%s rows=%d", workspace, deleted)

    async def on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and tokens.get("bot"):
            await self.on_uninstalled(context)

    # --- helpers ---------------------------------------------------------------------------

    async def _is_redelivery(self, body: dict[str, Any]) -> bool:
        """Checked after the ack, so that the database never delays Slack's answer; the
        unique key makes it hold across processes."""
        return not await self._service.first_delivery(delivery_key(body))

    async def _reply_channel(
        self, client: AsyncWebClient, body: dict[str, Any], key: ConversationKey
    ) -> str:
        """Where a button's replies go: the message's channel, or the DM for App Home buttons."""
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
            "channel_id"
        )
        return str(channel) if channel else await open_dm(client, key.user)


async def post(
    client: AsyncWebClient,
    channel: str,
    replies: Sequence[Reply],
    *,
    thread_ts: str | None = None,
) -> None:
    """Post each reply as its own message, in order."""
    for message in render.render_all(replies):
        await client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts
        )


async def respond_with(respond: AsyncRespond, replies: Sequence[Reply]) -> None:
    """Ephemeral answers to a slash command, through its response_url."""
    for message in render.render_all(replies):
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
