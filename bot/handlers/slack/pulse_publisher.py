"""How the pulse runner reaches Slack: redraw a survey card, post the results (with the chart),
post the reminder. Each call uses the bot token of the survey's own workspace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.handlers.slack import blocks_pulse
from bot.pulse.chart import results_chart_png
from bot.pulse.runner import CannotPost
from bot.pulse.service import PulseService
from bot.pulse.trend_chart import trend_chart
from bot.views import catalogue
from storage.pulse import SurveyRecord
from storage.series import SeriesRecord

log = logging.getLogger(__name__)

# The Web API client for a survey's (or a series') workspace.
ClientFor = Callable[[SurveyRecord | SeriesRecord], Awaitable[AsyncWebClient]]
Chart = Callable[[PulseResults], bytes | None]


# Web API errors that say a channel is out of the bot's reach for good (a retry cannot help).
CHANNEL_GONE = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "account_inactive",
        "invalid_auth",
        "token_revoked",
        "team_access_not_granted",
        "restricted_action",
    }
)


class NoInstallation(LookupError):
    """The workspace of a survey has no installation with a bot token (it was uninstalled)."""


def fixed_client(client: AsyncWebClient) -> ClientFor:
    """Single-workspace mode: one bot token for every survey."""

    async def client_for(_survey: SurveyRecord | SeriesRecord) -> AsyncWebClient:
        return client

    return client_for


def installed_client(
    store: AsyncInstallationStore, make: Callable[[str], AsyncWebClient]
) -> ClientFor:
    """OAuth mode: the bot token the workspace (or its Enterprise Grid org) installed with."""

    async def client_for(survey: SurveyRecord | SeriesRecord) -> AsyncWebClient:
        enterprise = survey.message.get("enterprise") if isinstance(survey, SurveyRecord) else None
        enterprise_id = str(enterprise) if enterprise else None
        bot = await store.async_find_bot(enterprise_id=enterprise_id, team_id=survey.workspace)
        if bot is None and enterprise_id is not None:
            bot = await store.async_find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        if bot is None or not bot.bot_token:
            raise NoInstallation(f"no Slack installation for workspace {survey.workspace}")
        return make(bot.bot_token)

    return client_for


def card_location(survey: SurveyRecord) -> tuple[str, str] | None:
    """(channel, ts) of the survey card, or None before it was posted."""
    channel, ts = survey.message.get("channel"), survey.message.get("ts")
    return (str(channel), str(ts)) if channel and ts else None


class SlackPulsePublisher:
    """The runner's `PulsePublisher` for Slack."""

    def __init__(
        self, pulse: PulseService, client_for: ClientFor, chart: Chart = results_chart_png
    ) -> None:
        self._pulse = pulse
        self._client_for = client_for
        self._chart = chart

    async def refresh_card(self, survey: SurveyRecord, count: int) -> None:
        where = card_location(survey)
        if where is None:
            return
        card = blocks_pulse.survey_card(survey, len(self._pulse.questions(survey)), count)
        client = await self._client_for(survey)
        await client.chat_update(channel=where[0], ts=where[1], text=card.text, blocks=card.blocks)

    async def post_results(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> None:
        client = await self._client_for(survey)
        channel = _channel(survey)
        shown = blocks_pulse.results_message(survey, results, trend)
        await client.chat_postMessage(channel=channel, text=shown.text, blocks=shown.blocks)
        if results.visible:
            await self._upload_chart(client, channel, survey, results)
        if trend is not None and len(trend.points) > 1:
            await self._upload_trend(client, channel, survey, trend)

    async def post_card(self, survey: SurveyRecord, series: SeriesRecord) -> dict[str, Any]:
        try:
            client = await self._client_for(survey)
        except NoInstallation as error:
            raise CannotPost(str(error)) from error
        card = blocks_pulse.survey_card(survey, len(self._pulse.questions(survey)), 0)
        try:
            posted = await client.chat_postMessage(
                channel=survey.channel, text=card.text, blocks=card.blocks
            )
        except SlackApiError as error:
            if error.response.get("error") in CHANNEL_GONE:
                raise CannotPost(str(error.response.get("error"))) from error
            raise
        return {"channel": posted["channel"], "ts": posted["ts"]}

    async def series_paused(self, series: SeriesRecord, launcher: str) -> None:
        client = await self._client_for(series)
        text = catalogue.series_paused_cannot_post(blocks_pulse.channel_link(series.channel))
        # A user id as the channel posts in the app's direct messages with them.
        await client.chat_postMessage(channel=launcher, text=text)

    async def post_reminder(self, survey: SurveyRecord, count: int) -> None:
        client = await self._client_for(survey)
        shown = blocks_pulse.reminder_message(survey, count)
        where = card_location(survey)
        thread: dict[str, Any] = (
            {"thread_ts": where[1], "reply_broadcast": True} if where is not None else {}
        )
        await client.chat_postMessage(
            channel=_channel(survey), text=shown.text, blocks=shown.blocks, **thread
        )

    async def _upload_chart(
        self, client: AsyncWebClient, channel: str, survey: SurveyRecord, results: PulseResults
    ) -> None:
        draw = partial(self._chart, results)
        shown = (catalogue.CHART_FILENAME, blocks_pulse.RESULTS_TITLE, catalogue.CHART_ALT)
        await _upload_image(client, channel, survey, draw, *shown)

    async def _upload_trend(
        self, client: AsyncWebClient, channel: str, survey: SurveyRecord, trend: Trend
    ) -> None:
        shown = (catalogue.TREND_FILENAME, catalogue.TREND_TITLE, catalogue.TREND_ALT)
        await _upload_image(client, channel, survey, partial(trend_chart, trend), *shown)


async def _upload_image(
    client: AsyncWebClient,
    channel: str,
    survey: SurveyRecord,
    draw: Callable[[], bytes | None],
    filename: str,
    title: str,
    alt: str,
) -> None:
    """A chart after the results; the results stand without it, so a failure is only logged
    (and never retried: the runner would post the results again)."""
    try:
        # Drawing takes milliseconds of CPU: off the event loop (Pillow is thread-safe).
        png = await asyncio.to_thread(draw)
        if png is None:
            return
        await client.files_upload_v2(
            channel=channel, content=png, filename=filename, title=title, alt_txt=alt
        )
    except Exception:
        log.exception("pulse chart not uploaded survey=%s file=%s", survey.id, filename)


def _channel(survey: SurveyRecord) -> str:
    where = card_location(survey)
    return where[0] if where is not None else survey.channel
