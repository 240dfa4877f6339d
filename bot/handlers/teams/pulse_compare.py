"""You vs your team on Teams: the results card's "Compare with my diagnostic" and
`@bot pulse compare` send the comparison (`bot.pulse.compare`), or why there is none, to the
person who asked, in their private chat with the bot and never in the channel. Only when that
chat cannot be reached does the channel hear from the bot, and then only that it could not.

As for every survey path: the logs carry the survey id and the outcome (the service logs
them), never a user id; no delivery key is recorded.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.engine.replies import NoticeLevel
from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.proactive import Proactive
from bot.handlers.teams.render import draw, notice_activity
from bot.handlers.teams.translate import (
    PERSONAL,
    PLATFORM,
    base_conversation,
    conversation_key,
    conversation_type,
    tenant_of,
)
from bot.pulse.compare import CompareResult, CompareStatus, PulseComparer
from bot.pulse.service import PulseService
from bot.views import catalogue
from bot.views.pulse_compare import comparison
from storage.pulse import SurveyRecord, SurveyStatus

log = logging.getLogger(__name__)


def compare_activity(result: CompareResult) -> Activity:
    """The comparison's card, or the notice saying why there is none."""
    if result.comparison is None or result.index is None:
        level = NoticeLevel.WARNING if result.status is CompareStatus.UNKNOWN else NoticeLevel.INFO
        return notice_activity(result.message, level)
    return to_activity(draw(comparison(result.comparison, result.index)))


class TeamsPulseCompare:
    def __init__(self, pulse: PulseService, comparer: PulseComparer, proactive: Proactive) -> None:
        self._pulse = pulse
        self._comparer = comparer
        self._proactive = proactive

    async def latest(self, turn_context: TurnContext) -> None:
        """`pulse compare`: the conversation's latest closed survey."""
        activity = turn_context.activity
        survey = await self._pulse.latest(
            PLATFORM, tenant_of(activity), base_conversation(activity), SurveyStatus.CLOSED
        )
        if survey is None:
            await self._send(turn_context, notice_activity(catalogue.NO_CLOSED_SURVEY))
            return
        await self._show(turn_context, survey)

    async def pressed(self, turn_context: TurnContext, survey_id: str) -> None:
        """The results card's button: its survey, if it is one of this tenant's."""
        survey = await self._pulse.pressed(survey_id, PLATFORM, tenant_of(turn_context.activity))
        await self._show(turn_context, survey)

    async def _show(self, turn_context: TurnContext, survey: SurveyRecord | None) -> None:
        result = await self._comparer.compare(survey, conversation_key(turn_context.activity))
        await self._send(turn_context, compare_activity(result))

    async def _send(self, turn_context: TurnContext, reply: Activity) -> None:
        """`reply` to the asker alone: in the private chat they wrote from, else through a new
        (or Teams' existing) one-to-one chat; in the conversation only the note that it failed."""
        activity = turn_context.activity
        if conversation_type(activity) == PERSONAL:
            await turn_context.send_activity(reply)
            return
        if not await self._proactive.to_sender(turn_context, reply):
            await turn_context.send_activity(
                notice_activity(catalogue.COMPARE_NOT_REACHED, NoticeLevel.WARNING)
            )
