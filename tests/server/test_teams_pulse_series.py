"""Recurring pulses on Teams end to end: `@bot pulse monthly ...` starts a series in the
launcher's timezone (the activity's localTimezone), its round cards are new posts in the
channel, `pulse series` lists them, pause/resume/stop are the launcher's, a channel the bot was
removed from pauses the series and tells the launcher privately, and a round's results carry
the trend since the last round."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.views import catalogue
from storage.series import Cadence, PauseReason, SeriesRecord, SeriesStatus
from testing.fakes.teams_activities import TENANT_ID
from testing.fakes.teams_connector import SEND, error_body
from testing.flows.teams import text_of
from testing.flows.teams_pulse import (
    ADA,
    ALAN,
    BARBARA,
    GENERAL,
    GRACE,
    KATHERINE,
    Launched,
    PulseServer,
    answer,
    data,
    mention,
    press,
    pulse_buttons,
    pulse_server,
    survey_id_of,
)

RESPONDENTS = (GRACE, KATHERINE, ALAN, BARBARA)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[PulseServer]:
    async with pulse_server(tmp_path) as running:
        yield running


def cards_in_channel(server: PulseServer) -> list[dict[str, Any]]:
    """Round cards: posts with an Answer button sent to the channel itself (not a thread)."""
    return [a for a in server.connector.sent(GENERAL) if pulse_buttons(a, "pulse_answer")]


async def start(
    server: PulseServer, text: str = "pulse monthly 2 days threshold 3"
) -> SeriesRecord:
    said = await mention(server, text, ADA)
    assert any("Recurring pulse started" in text_of(a) for a in said), said
    [series] = await server.app.series.channel("teams", TENANT_ID, GENERAL)
    return series


async def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_recurring_pulse_posts_its_first_round_in_the_channel(
    server: PulseServer,
) -> None:
    series = await start(server)
    await wait_for(lambda: cards_in_channel(server))
    [card] = cards_in_channel(server)
    assert "round 1" in text_of(card)
    assert series.timezone == "Europe/London"
    assert series.cadence is Cadence.MONTHLY
    assert series.round_length == timedelta(days=2)
    assert series.address["reference"]["conversation"]["id"] == GENERAL
    assert ADA.name not in str(series.address)
    survey = await server.app.pulse.survey(survey_id_of(card))
    assert survey is not None
    assert (survey.series_id, survey.round_number) == (series.id, 1)


async def test_the_series_list_and_who_may_change_it(server: PulseServer) -> None:
    await start(server, "pulse every two weeks")
    listed = await mention(server, "pulse series", GRACE)
    assert "Every two weeks, each round open 3 days" in text_of(listed[-1])
    refused = await mention(server, "pulse pause", GRACE)
    assert "Only the person who started" in text_of(refused[-1])
    paused = await mention(server, "pulse pause 1", ADA)
    assert "is paused" in text_of(paused[-1])
    resumed = await mention(server, "pulse resume", ADA)
    assert "is active" in text_of(resumed[-1])
    stopped = await mention(server, "pulse stop", ADA)
    assert "is stopped" in text_of(stopped[-1])
    bad = await mention(server, "pulse stop two", ADA)
    assert "by its number" in text_of(bad[-1])


async def test_a_channel_the_bot_was_removed_from_pauses_the_series(server: PulseServer) -> None:
    server.connector.respond(SEND, 403, error_body("BotNotInConversationRoster", "removed"))
    series = await start(server)

    await wait_for(
        lambda: any("I paused your recurring pulse" in t for t in server.connector.texts())
    )
    paused = await server.app.series.load(series.id)
    assert paused is not None
    assert (paused.status, paused.paused_reason) == (SeriesStatus.PAUSED, PauseReason.CANNOT_POST)
    assert await server.app.pulse.latest("teams", TENANT_ID, GENERAL) is None


async def test_a_rounds_results_show_the_trend(server: PulseServer) -> None:
    series = await start(server)
    await wait_for(lambda: cards_in_channel(server))
    [first] = cards_in_channel(server)
    first_id = survey_id_of(first)
    for person in RESPONDENTS[:3]:
        await answer(server, Launched(GENERAL, first, "", first_id), person, pick=0)
    await press(server, data("pulse_close", first_id), ADA, GENERAL)

    store = server.app.storage.series
    await store.set_series_status(series.id, SeriesStatus.PAUSED, reason=PauseReason.BY_PERSON)
    await store.set_series_status(
        series.id, SeriesStatus.ACTIVE, next_occurrence=1, next_open_at=server.app.series.now()
    )
    await wait_for(lambda: len(cards_in_channel(server)) == 2)
    second = cards_in_channel(server)[-1]
    second_id = survey_id_of(second)
    for person in RESPONDENTS:
        await answer(server, Launched(GENERAL, second, "", second_id), person, pick=1)
    await press(server, data("pulse_close", second_id), ADA, GENERAL)

    def results() -> list[str]:
        return [t for t in map(text_of, server.connector.sent()) if "Since round 1" in t]

    await wait_for(results)
    # The trend chart rides in the card. Both charts are over a card's 25 KB together, and the
    # results chart, whose numbers are also under See all numbers, is the one left out.
    [card] = [a for a in server.connector.sent() if "Since round 1" in text_of(a)]
    images = re.findall(r'"altText": "([^"]*)"', json.dumps(card))
    assert images == [catalogue.TREND_ALT]
    [shown] = results()
    assert "round 2" in shown
    assert "round 1: 3 answered" in shown
    again = await mention(server, "pulse trend", GRACE)
    assert "Since round 1" in text_of(again[-1])
