"""The runner's way into Teams (`PulsePublisher`): redraw a survey's channel card, post its
results and its reminder in the card's thread. Any process can do it: where the card is lives
in the survey record (`SurveyRecord.message`, see `survey_message`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from botbuilder.schema import Activity, ChannelAccount, ErrorResponseException

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.cards_pulse import reminder_card, results_card, survey_card
from bot.handlers.teams.proactive import Proactive, retry_after
from bot.pulse.chart import results_chart_png
from bot.pulse.runner import CannotPost, RetryLater
from bot.pulse.trend_chart import trend_chart
from bot.views import catalogue
from storage.pulse import SurveyRecord
from storage.series import SeriesRecord

log = logging.getLogger(__name__)

REFERENCE = "reference"  # the thread's conversation reference, without any person in it
ACTIVITY_ID = "activity_id"  # the survey card's message id, to update it

Chart = Callable[[PulseResults], bytes | None]
# Connector answers that say the bot cannot post in a conversation for good: removed from the
# team (403), the conversation or team gone (404).
GONE_STATUSES = frozenset({403, 404})


def survey_message(reference: Mapping[str, Any], activity_id: str | None) -> dict[str, Any]:
    """What a Teams survey stores as its `message`."""
    return {REFERENCE: dict(reference), ACTIVITY_ID: activity_id}


def thread_of(survey: SurveyRecord) -> dict[str, Any] | None:
    reference = survey.message.get(REFERENCE)
    return dict(reference) if isinstance(reference, dict) else None


class TeamsPulsePublisher:
    def __init__(self, proactive: Proactive, chart: Chart = results_chart_png) -> None:
        self._proactive = proactive
        self._chart = chart

    async def refresh_card(self, survey: SurveyRecord, count: int) -> None:
        reference, activity_id = thread_of(survey), survey.message.get(ACTIVITY_ID)
        if reference is None or not isinstance(activity_id, str) or not activity_id:
            log.warning("pulse card not redrawn: no card id survey=%s", survey.id)
            return
        try:
            await self._proactive.update(
                reference, activity_id, to_activity(survey_card(survey, count))
            )
        except ErrorResponseException as error:
            wait = retry_after(error)
            if wait is None:
                raise
            raise RetryLater(wait) from error

    async def post_results(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> None:
        await self._post(survey, await self.results_activity(survey, results, trend))

    async def results_activity(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> Activity:
        """The results card, with the charts when there are some and they fit."""
        image = await self._image(results)
        trend_png = await self._trend_image(trend) if results.visible else None
        return to_activity(results_card(survey, results, image, trend, trend_png))

    async def post_card(self, survey: SurveyRecord, series: SeriesRecord) -> dict[str, Any]:
        """A round's card as a new post in the channel its series was started in."""
        reference = series.address.get(REFERENCE)
        if not isinstance(reference, dict) or not reference:
            raise CannotPost("no conversation reference for the channel")
        try:
            card_id = await self._proactive.send(reference, to_activity(survey_card(survey, 0)))
        except ErrorResponseException as error:
            if _status(error) in GONE_STATUSES:
                raise CannotPost(f"connector answered {_status(error)}") from error
            raise
        return survey_message(reference, card_id)

    async def series_paused(self, series: SeriesRecord, launcher: str) -> None:
        reference = series.address.get(REFERENCE)
        if not isinstance(reference, dict):
            return
        bot = reference.get("bot") or {}
        conversation = reference.get("conversation") or {}
        text = catalogue.series_paused_cannot_post(catalogue.THE_CHANNEL)
        await self._proactive.send_private(
            service_url=str(reference.get("serviceUrl", "")),
            tenant=str(conversation.get("tenantId") or series.workspace),
            bot=ChannelAccount(id=str(bot.get("id", "")), name=bot.get("name")),
            user_id=launcher,
            activity=Activity(type="message", text=text),
        )

    async def _trend_image(self, trend: Trend | None) -> bytes | None:
        if trend is None or len(trend.points) < 2:
            return None
        try:
            return await asyncio.to_thread(trend_chart, trend)
        except Exception:
            log.exception("pulse trend chart failed")
            return None

    async def post_reminder(self, survey: SurveyRecord, count: int) -> None:
        await self._post(survey, to_activity(reminder_card(survey, count)))

    async def _post(self, survey: SurveyRecord, activity: Activity) -> None:
        reference = thread_of(survey)
        if reference is None:
            # A survey is only kept once its card is posted; without a thread there is
            # nowhere to post, and retrying would not change that.
            log.warning("pulse post skipped: no thread survey=%s", survey.id)
            return
        await self._proactive.send(reference, activity)

    async def _image(self, results: PulseResults) -> bytes | None:
        if not results.visible:
            return None
        try:
            # Drawing takes milliseconds of CPU: off the event loop, which serves every turn.
            return await asyncio.to_thread(self._chart, results)
        except Exception:
            # The bars carry the same numbers: a chart that failed is no reason to withhold
            # the results.
            log.exception("pulse chart failed")
            return None


def _status(error: ErrorResponseException) -> int | None:
    status = getattr(getattr(error, "response", None), "status_code", None)
    return status if isinstance(status, int) else None
