"""The summary's "Download report" on Slack: the person's latest result as a one-page PDF,
uploaded to their direct message with the bot.

The press says nothing about whose report or what is in it (its value is a constant): the
summary is built again from what is stored for the person who pressed, as the App Home and a
share build it. A double click, or a redelivery, uploads once: the press's delivery key (the
message, the button) is recorded first, as for every button of a message. That key stays for
a day, so a failed attempt's notice carries the button again, on a new message, to retry with.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.replies import NoticeLevel
from bot.handlers import failures
from bot.handlers.report_pdf import report_file
from bot.handlers.slack.blocks import SlackMessage
from bot.handlers.slack.identity import open_dm
from bot.handlers.slack.render import draw
from bot.handlers.slack.translate import PLATFORM, conversation_key, delivery_key
from bot.service import AdvisorService
from bot.views import catalogue
from bot.views.report import report_notice
from storage.conversations import ConversationKey

log = logging.getLogger(__name__)

# What a Web API call can fail with that is Slack's or the network's doing, not a bug here.
API_FAILURES = (SlackClientError, aiohttp.ClientError, TimeoutError)


class SlackReport:
    def __init__(self, service: AdvisorService) -> None:
        self._service = service

    async def on_button(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        key = conversation_key(context)
        if not await self._service.first_delivery(delivery_key(body)):
            return  # a double click or a redelivery: the first press is sending it
        try:
            said = await self._send(client, key)
        except Exception as error:  # a bug: counted, logged with ids, answered with an apology
            failures.turn_failed(PLATFORM, "report", error, workspace=key.workspace, user=key.user)
            said = draw(report_notice(catalogue.SORRY, NoticeLevel.ERROR, retry=True))
        await _tell(client, respond, key.user, said)

    async def _send(self, client: AsyncWebClient, key: ConversationKey) -> SlackMessage:
        """Upload the person's report to their DM; what to tell them."""
        summary = (await self._service.overview(key)).summary
        if summary is None:
            log.info("slack report: no result yet user=%s", key.user)
            return draw(report_notice(catalogue.REPORT_NO_RESULT))
        report = await report_file(summary)
        try:
            await client.files_upload_v2(
                channel=await open_dm(client, key.user),
                content=report.content,
                filename=report.name,
                title=catalogue.REPORT_TITLE,
                initial_comment=catalogue.REPORT_ABOUT,
            )
        except API_FAILURES as error:
            log.warning(
                "slack report not uploaded user=%s error=%s", key.user, failures.error_name(error)
            )
            failed = report_notice(catalogue.REPORT_UPLOAD_FAILED, NoticeLevel.WARNING, retry=True)
            return draw(failed)
        log.info("slack report sent user=%s size=%d", key.user, len(report.content))
        return draw(report_notice(catalogue.report_sent(catalogue.OUR_DM)))


async def _tell(
    client: AsyncWebClient, respond: AsyncRespond, user: str, message: SlackMessage
) -> None:
    """Privately, under the pressed message (its response URL); in the DM when there is none."""
    try:
        if respond.response_url is not None:
            await respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
        else:
            channel = await open_dm(client, user)
            await client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks)
    except API_FAILURES as error:
        log.warning("slack report notice not delivered error=%s", failures.error_name(error))
