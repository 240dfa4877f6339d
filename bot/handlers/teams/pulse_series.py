"""Recurring pulses on Teams: `@bot pulse monthly ...` starts one in the channel it is asked
in, `pulse series` lists the channel's, `pulse pause|resume|stop [N]` changes one, `pulse trend`
shows the latest round's results with its trend again.

A series keeps the channel's conversation reference (without any person in it) to post each
round's card as a new message, and the launcher's Teams user id to tell them, in their private
chat, should it pause itself. The launcher's timezone is the activity's `localTimezone`; the
rounds open at the same wall-clock time there.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from bot.engine.pulse_trend import Trend
from bot.engine.replies import NoticeLevel
from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.proactive import thread_reference
from bot.handlers.teams.pulse_args import PulseRequest
from bot.handlers.teams.pulse_publisher import REFERENCE, TeamsPulsePublisher
from bot.handlers.teams.render import draw, notice_activity
from bot.handlers.teams.translate import PLATFORM, base_conversation, tenant_of, user_ids, user_of
from bot.pulse.runner import PulseRunner
from bot.pulse.series import SeriesOptions, SeriesService, cadence_name
from bot.pulse.service import DEFAULT_DURATION, PulseError, PulseService
from bot.views import catalogue
from bot.views import pulse as views
from storage.pulse import SurveyRecord, SurveyStatus
from storage.series import SeriesStatus

log = logging.getLogger(__name__)


class TeamsPulseSeries:
    def __init__(
        self,
        series: SeriesService,
        pulse: PulseService,
        runner: PulseRunner,
        publisher: TeamsPulsePublisher,
    ) -> None:
        self._series = series
        self._pulse = pulse
        self._runner = runner
        self._publisher = publisher

    async def start(self, turn_context: TurnContext, request: PulseRequest) -> None:
        assert request.cadence is not None
        activity = turn_context.activity
        reference = thread_reference(activity)
        # Each round is a new post in the channel, not a reply in the thread it was asked in.
        conversation = dict(reference.get("conversation") or {})
        conversation["id"] = base_conversation(activity)
        reference["conversation"] = conversation
        options = SeriesOptions(
            cadence=request.cadence,
            round_length=request.duration or DEFAULT_DURATION,
            threshold=request.threshold,
            remind=request.remind,
            timezone=str(getattr(activity, "local_timezone", None) or "UTC"),
            address={REFERENCE: reference},
        )
        try:
            series = await self._series.start(
                PLATFORM,
                tenant_of(activity),
                base_conversation(activity),
                user_of(activity),
                options,
            )
        except PulseError as refused:
            await _notice(turn_context, str(refused), NoticeLevel.WARNING)
            return
        length = catalogue.duration_words(series.round_length)
        await _notice(turn_context, catalogue.series_started(cadence_name(series.cadence), length))
        await self._runner.open_round(series)

    async def list(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        listed = await self._series.channel(
            PLATFORM, tenant_of(activity), base_conversation(activity)
        )
        shown = views.series_list(
            self._series.views(listed, user_of(activity)), catalogue.TEAMS_PULSE_COMMAND
        )
        await turn_context.send_activity(to_activity(draw(shown)))

    async def change(self, turn_context: TurnContext, request: PulseRequest) -> None:
        activity = turn_context.activity
        user = user_of(activity)
        admin = any(self._pulse.is_admin(user_id) for user_id in user_ids(activity))
        try:
            number, series = await self._series.pick(
                PLATFORM, tenant_of(activity), base_conversation(activity), request.series_number
            )
            if request.action == "pause":
                changed = await self._series.pause(series, user, admin=admin)
            elif request.action == "resume":
                changed = await self._series.resume(series, user, admin=admin)
            else:
                changed = await self._series.stop(series, user, admin=admin)
        except PulseError as refused:
            await _notice(turn_context, str(refused), NoticeLevel.WARNING)
            return
        await _notice(turn_context, catalogue.series_changed(number, changed.status.value))
        if changed.status is SeriesStatus.ACTIVE and changed.next_open_at <= self._series.now():
            await self._runner.open_round(changed)

    async def trend_of(self, survey: SurveyRecord) -> Trend | None:
        """A round's trend over its series (for its export); None for a one-off survey."""
        return await self._series.trend(survey)

    async def trend(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        survey = await self._pulse.latest(
            PLATFORM, tenant_of(activity), base_conversation(activity), SurveyStatus.CLOSED
        )
        if survey is None:
            await _notice(turn_context, catalogue.NO_CLOSED_SURVEY)
            return
        if survey.series_id is None:
            await _notice(turn_context, catalogue.NOT_A_SERIES_ROUND)
            return
        results = self._pulse.results(survey)
        trend = await self._series.trend(survey)
        await turn_context.send_activity(
            await self._publisher.results_activity(survey, results, trend)
        )


async def _notice(
    turn_context: TurnContext, text: str, level: NoticeLevel = NoticeLevel.INFO
) -> None:
    await turn_context.send_activity(notice_activity(text, level))
