"""You vs your team on Slack: the results' "Compare with my diagnostic" button and
`/ai-owner pulse compare` open a modal that only the person who asked sees: their own
diagnostic answers beside the team's results (`bot.pulse.compare`), or why there is none.

As for every survey listener: the logs carry the survey id and the outcome only (the service
logs them), never a user id; no delivery de-duplication (opening a modal twice is harmless).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers.slack import blocks_pulse, ids
from bot.handlers.slack.blocks import MAX_VIEW_BLOCKS, modal
from bot.handlers.slack.pulse import ephemeral
from bot.handlers.slack.render import draw
from bot.handlers.slack.translate import PLATFORM, conversation_key, plain_text, workspace_of
from bot.pulse.compare import CompareResult, PulseComparer
from bot.pulse.service import PulseService
from bot.views import catalogue
from bot.views.pulse_compare import comparison
from storage.pulse import SurveyRecord, SurveyStatus


async def is_compare_command(command: dict[str, Any]) -> bool:
    """A bolt matcher: `/ai-owner pulse compare`, ahead of the other survey commands."""
    words = plain_text(str(command.get("text", ""))).lower().split()
    return words[:2] == ["pulse", "compare"]


def compare_view(result: CompareResult) -> dict[str, Any]:
    """The modal: the comparison, or the notice saying why there is none."""
    if result.comparison is None or result.index is None:
        return blocks_pulse.notice_view(result.message)
    blocks = draw(comparison(result.comparison, result.index)).blocks[:MAX_VIEW_BLOCKS]
    return modal(ids.PULSE_COMPARE_VIEW, "", catalogue.COMPARE_TITLE, None, blocks)


class SlackPulseCompare:
    def __init__(self, pulse: PulseService, comparer: PulseComparer) -> None:
        self._pulse = pulse
        self._comparer = comparer

    async def on_button(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """The results' button: the survey is the button's, if it is of this workspace."""
        await ack()
        value = str(action.get("value", ""))
        survey = await self._pulse.pressed(value, PLATFORM, workspace_of(context))
        await self._open(client, str(body.get("trigger_id", "")), survey, context)

    async def on_command(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        """`/ai-owner pulse compare`: the channel's latest closed survey, in a modal; said
        privately when the channel has none."""
        await ack()
        channel = str(command.get("channel_id", ""))
        survey = await self._pulse.latest(
            PLATFORM, workspace_of(context), channel, SurveyStatus.CLOSED
        )
        if survey is None:
            await ephemeral(respond)(catalogue.NO_CLOSED_SURVEY)
            return
        await self._open(client, str(command.get("trigger_id", "")), survey, context)

    async def _open(
        self,
        client: AsyncWebClient,
        trigger_id: str,
        survey: SurveyRecord | None,
        context: AsyncBoltContext,
    ) -> None:
        result = await self._comparer.compare(survey, conversation_key(context))
        await client.views_open(trigger_id=trigger_id, view=compare_view(result))
