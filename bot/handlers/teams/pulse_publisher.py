"""The runner's way into Teams (`PulsePublisher`): redraw a survey's channel card, post its
results and its reminder in the card's thread. Any process can do it: where the card is lives
in the survey record (`SurveyRecord.message`, see `survey_message`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from botbuilder.schema import Activity, ErrorResponseException

from bot.engine.pulse import PulseResults
from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.cards_pulse import reminder_card, results_card, survey_card
from bot.handlers.teams.proactive import Proactive, retry_after
from bot.pulse.chart import results_chart_png
from bot.pulse.runner import RetryLater
from storage.pulse import SurveyRecord

log = logging.getLogger(__name__)

REFERENCE = "reference"  # the thread's conversation reference, without any person in it
ACTIVITY_ID = "activity_id"  # the survey card's message id, to update it

Chart = Callable[[PulseResults], bytes | None]


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

    async def post_results(self, survey: SurveyRecord, results: PulseResults) -> None:
        await self._post(survey, await self.results_activity(survey, results))

    async def results_activity(self, survey: SurveyRecord, results: PulseResults) -> Activity:
        """The results card, with the chart when there is one and it fits."""
        return to_activity(results_card(survey, results, await self._image(results)))

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
