"""Recurring pulses on Slack: the launch modal's Repeat choice starts one, `/ai-owner pulse
series` lists the channel's, `pulse pause|resume|stop [N]` changes one, `pulse trend` posts the
latest round's results with its trend again.

The launcher's timezone comes from `users.info` (`tz`), so the rounds open at the same
wall-clock time for them; every time shown is a Slack date token, which each reader sees in
their own timezone. The launcher's user id is kept on the series to tell them, in the app's
direct messages, should it pause itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.pulse_trend import Trend
from bot.handlers.slack import blocks_pulse, ids
from bot.handlers.slack.identity import workspace_admin
from bot.handlers.slack.pulse_publisher import SlackPulsePublisher
from bot.handlers.slack.render import draw
from bot.handlers.slack.translate import PLATFORM, workspace_of
from bot.pulse.runner import PulseRunner
from bot.pulse.series import SeriesOptions, SeriesService, cadence_name
from bot.pulse.service import LaunchOptions, NotAllowed, PulseError, PulseService
from bot.views import catalogue
from bot.views import pulse as views
from storage.pulse import SurveyRecord, SurveyStatus
from storage.series import Cadence, SeriesStatus

log = logging.getLogger(__name__)

Reply = Callable[[str], Awaitable[None]]


class SlackPulseSeries:
    def __init__(
        self,
        series: SeriesService,
        pulse: PulseService,
        runner: PulseRunner,
        publisher: SlackPulsePublisher,
    ) -> None:
        self._series = series
        self._pulse = pulse
        self._runner = runner
        self._publisher = publisher

    async def start(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        context: AsyncBoltContext,
        channel: str,
        user: str,
        cadence: Cadence,
        launch: LaunchOptions,
    ) -> None:
        """The launch modal submitted with a Repeat choice: the series, its first round now."""
        now = self._series.now()
        deadline = launch.deadline or now
        # The picker's deadline is a wall-clock minute: the length to the nearest minute.
        minutes = round((deadline - now).total_seconds() / 60)
        options = SeriesOptions(
            cadence=cadence,
            round_length=timedelta(minutes=minutes),
            threshold=launch.threshold,
            remind=launch.remind,
            timezone=await _timezone(client, user),
        )
        try:
            series = await self._series.start(
                PLATFORM, workspace_of(context), channel, user, options
            )
        except PulseError as error:
            # Next to the Repeat menu, the form still open: a round too long for its cadence,
            # or a channel with as many series as it may run.
            await ack(response_action="errors", errors={ids.PULSE_REPEAT_BLOCK: str(error)})
            return
        length = catalogue.duration_words(series.round_length)
        started = catalogue.series_started(cadence_name(series.cadence), length)
        await ack(response_action="update", view=blocks_pulse.notice_view(started))
        await self._runner.open_round(series)

    async def list(self, context: AsyncBoltContext, channel: str, respond: AsyncRespond) -> None:
        listed = await self._series.channel(PLATFORM, workspace_of(context), channel)
        shown = draw(
            views.series_list(
                self._series.views(listed, context.user_id or ""), catalogue.SLACK_PULSE_COMMAND
            )
        )
        await respond(text=shown.text, blocks=shown.blocks, response_type="ephemeral")

    async def change(
        self,
        client: AsyncWebClient,
        context: AsyncBoltContext,
        channel: str,
        action: str,
        number_text: str | None,
        reply: Reply,
    ) -> None:
        user = context.user_id or ""
        number = _number(number_text)
        try:
            if number_text is not None and number is None:
                raise PulseError(catalogue.pulse_series_number(action))
            place, series = await self._series.pick(
                PLATFORM, workspace_of(context), channel, number
            )
            admin = not self._series.may_manage(series, user, admin=False) and (
                await workspace_admin(client, user)
            )
            if action == "pause":
                changed = await self._series.pause(series, user, admin=admin)
            elif action == "resume":
                changed = await self._series.resume(series, user, admin=admin)
            else:
                changed = await self._series.stop(series, user, admin=admin)
        except (PulseError, NotAllowed) as refused:
            await reply(str(refused))
            return
        await reply(catalogue.series_changed(place, changed.status.value))
        if changed.status is SeriesStatus.ACTIVE and changed.next_open_at <= self._series.now():
            await self._runner.open_round(changed)

    async def trend_of(self, survey: SurveyRecord) -> Trend | None:
        """A round's trend over its series (for its export); None for a one-off survey."""
        return await self._series.trend(survey)

    async def trend(
        self, context: AsyncBoltContext, channel: str, respond: AsyncRespond, reply: Reply
    ) -> None:
        survey = await self._pulse.latest(
            PLATFORM, workspace_of(context), channel, SurveyStatus.CLOSED
        )
        if survey is None:
            await reply(catalogue.NO_CLOSED_SURVEY)
            return
        if survey.series_id is None:
            await reply(catalogue.NOT_A_SERIES_ROUND)
            return
        results = self._pulse.results(survey)
        trend = await self._series.trend(survey)
        try:
            await self._publisher.post_results(survey, results, trend)
        except SlackApiError as error:
            log.warning(
                "pulse trend not posted survey=%s error=%s", survey.id, error.response.get("error")
            )
            shown = blocks_pulse.results_message(survey, results, trend)
            await respond(text=shown.text, blocks=shown.blocks, response_type="in_channel")


async def _timezone(client: AsyncWebClient, user: str) -> str:
    """The person's IANA timezone from their Slack profile; UTC when Slack does not say."""
    try:
        response = await client.users_info(user=user)
    except SlackApiError as error:
        log.warning("slack timezone unknown error=%s", error.response.get("error"))
        return "UTC"
    tz = (response.get("user") or {}).get("tz")
    return tz if isinstance(tz, str) and tz else "UTC"


def _number(text: str | None) -> int | None:
    if text is None:
        return None
    digits = text.lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) <= 6 else None
