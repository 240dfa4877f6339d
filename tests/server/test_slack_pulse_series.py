"""Recurring pulses on Slack end to end: the launch modal's Repeat menu starts a series in the
launcher's timezone (users.info), its rounds post their cards, `/ai-owner pulse series` lists
them, pause/resume/stop are the launcher's or an admin's, a channel the bot was removed from
pauses the series and tells the launcher in a DM, and a round's results carry the trend."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.handlers.slack import ids
from bot.views import catalogue
from storage.pulse import SurveyStatus
from storage.series import Cadence, PauseReason, SeriesRecord, SeriesStatus
from testing.fakes.slack_api import FakeSlackApi, UserTimezone
from testing.fakes.workspace import GENERAL_CHANNEL, TEAM_ID
from testing.flows.slack import all_text, buttons
from testing.flows.slack_pulse import (
    LAUNCHER,
    answer,
    is_card,
    launch_values,
    open_launch_modal,
    press_button,
    submit_launch,
    wait_for_results,
)
from tests.server.conftest import RunningServer, running, token_settings

OTHER = "U0OTHER"
RESPONDENTS = [f"U0R{n:02d}" for n in range(1, 5)]


@pytest.fixture
async def server(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    slack_api.timezones[LAUNCHER] = UserTimezone.of("America/New_York")
    settings = token_settings(tmp_path, slack_api, pulse_tick_seconds=0.2, pulse_count_seconds=0.3)
    async for running_server in running(settings, slack_api):
        yield running_server


async def start_series(server: RunningServer, repeat: str = "monthly") -> SeriesRecord:
    view = await open_launch_modal(server)
    values = launch_values(deadline=time.time() + 2 * 86_400, threshold="3", repeat=repeat)
    reply = await submit_launch(server, view, values)
    assert reply.status == 200
    assert reply.json()["response_action"] == "update"
    assert "Recurring pulse started" in str(reply.json()["view"])
    [series] = await server.app.series.channel("slack", TEAM_ID, GENERAL_CHANNEL)
    return series


async def replies(server: RunningServer, count: int) -> list[str]:
    found = await server.api.wait_for("response_url", count=count)
    return [all_text(call) for call in found]


async def test_a_recurring_pulse_opens_its_first_round_in_the_launchers_timezone(
    server: RunningServer,
) -> None:
    series = await start_series(server)

    [card] = await server.api.wait_for("chat.postMessage", where=is_card)
    assert "round 1" in all_text(card)
    assert series.timezone == "America/New_York"
    assert series.cadence is Cadence.MONTHLY
    assert series.round_length == timedelta(days=2)
    assert LAUNCHER not in series.launcher  # sealed: the database does not name them
    assert server.app.series.launcher(series) == LAUNCHER
    survey = await server.app.pulse.latest("slack", TEAM_ID, GENERAL_CHANNEL)
    assert survey is not None
    assert (survey.series_id, survey.round_number) == (series.id, 1)
    # The next round is a month later, at the same wall-clock time in New York.
    stored = await server.app.series.load(series.id)
    assert stored is not None
    assert stored.next_round == 2
    gap = stored.next_open_at - series.starts_at
    assert timedelta(days=27, hours=23) <= gap <= timedelta(days=31, hours=1)


async def test_a_round_longer_than_its_cadence_is_refused_beside_the_repeat_menu(
    server: RunningServer,
) -> None:
    view = await open_launch_modal(server)
    values = launch_values(deadline=time.time() + 9 * 86_400, repeat="weekly")
    reply = await submit_launch(server, view, values)
    assert reply.json()["response_action"] == "errors"
    assert "at most 7 days" in reply.json()["errors"][ids.PULSE_REPEAT_BLOCK]
    assert await server.app.series.channel("slack", TEAM_ID, GENERAL_CHANNEL) == []


async def test_the_series_list_and_who_may_change_it(server: RunningServer) -> None:
    await start_series(server)
    await server.slack.slash_command("pulse series", user_id=OTHER)
    [listed] = await replies(server, 1)
    assert "Recurring pulses in this channel" in listed
    assert "Monthly, each round open 2 days" in listed
    assert "started by you" not in listed

    await server.slack.slash_command("pulse pause 1", user_id=OTHER)
    assert catalogue.NOT_YOURS_SERIES in (await replies(server, 2))[-1]
    await server.slack.slash_command("pulse pause", user_id=LAUNCHER)
    assert "is paused" in (await replies(server, 3))[-1]
    await server.slack.slash_command("pulse pause", user_id=LAUNCHER)
    assert "Nothing changed" in (await replies(server, 4))[-1]
    await server.slack.slash_command("pulse resume 1", user_id=LAUNCHER)
    assert "is active" in (await replies(server, 5))[-1]
    await server.slack.slash_command("pulse stop 2", user_id=LAUNCHER)
    assert "no recurring pulse with that number" in (await replies(server, 6))[-1]
    await server.slack.slash_command("pulse stop 1", user_id=LAUNCHER)
    assert "is stopped" in (await replies(server, 7))[-1]
    await server.slack.slash_command("pulse series", user_id=LAUNCHER)
    assert "no recurring pulse" in (await replies(server, 8))[-1]


async def test_a_channel_the_bot_left_pauses_the_series_and_tells_the_launcher(
    server: RunningServer,
) -> None:
    server.api.unpostable[GENERAL_CHANNEL] = "not_in_channel"
    series = await start_series(server)

    [told] = await server.api.wait_for(
        "chat.postMessage", where=lambda call: call.params.get("channel") == LAUNCHER
    )
    assert "I paused your recurring pulse" in all_text(told)
    paused = await server.app.series.load(series.id)
    assert paused is not None
    assert paused.status is SeriesStatus.PAUSED
    assert paused.next_round == 1
    assert await server.app.pulse.latest("slack", TEAM_ID, GENERAL_CHANNEL) is None


async def test_a_rounds_results_show_the_change_since_the_last_round(
    server: RunningServer,
) -> None:
    series = await start_series(server)
    [first] = await server.api.wait_for("chat.postMessage", where=is_card)
    for user in RESPONDENTS[:3]:
        await answer(server, first, user, pick=0)
    await press_button(server, first, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    await wait_for_results(server)

    # The next round, now rather than in a month: pause and resume it with an opening now.
    store = server.app.storage.series
    await store.set_series_status(series.id, SeriesStatus.PAUSED, reason=PauseReason.BY_PERSON)
    now = server.app.series.now()
    await store.set_series_status(
        series.id, SeriesStatus.ACTIVE, next_occurrence=1, next_open_at=now
    )
    cards = await server.api.wait_for("chat.postMessage", count=2, where=is_card)
    second = cards[-1]
    assert "round 2" in all_text(second)
    for user in RESPONDENTS:
        await answer(server, second, user, pick=1)
    await press_button(server, second, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    results = await wait_for_results(server, count=2)

    text = all_text(results)
    assert "round 2" in text
    assert "Since round 1" in text
    assert "points" in text
    # Everyone moved from the first option to the second: the questions that moved most.
    assert "Moved most" in text
    assert "100% → 0%" in text
    assert "round 1: 3 answered" in text
    assert buttons(results, ids.PULSE_COMPARE_ACTION)
    uploads = await server.api.wait_for(
        "files.completeUploadExternal", count=3, timeout=10
    )  # two results charts and the trend chart
    assert any(catalogue.TREND_TITLE in str(call.params) for call in uploads)
    survey = await server.app.pulse.latest("slack", TEAM_ID, GENERAL_CHANNEL)
    assert survey is not None
    assert survey.status is SurveyStatus.CLOSED

    await server.slack.slash_command("pulse trend", user_id=OTHER)
    again = await wait_for_results(server, count=3)
    assert "Since round 1" in all_text(again)

    # The export of a round has one row per round after the round's own counts.
    await press_button(server, results, ids.PULSE_EXPORT_ACTION, LAUNCHER)
    await server.api.wait_for(
        "files.completeUploadExternal",
        where=lambda call: "initial_comment" in call.params,
    )
    [exported] = [u for u in server.api.uploads() if b"question_id" in (u.content or b"")]
    rows = list(csv.reader(io.StringIO((exported.content or b"").decode())))
    header = rows.index(next(row for row in rows if row[:1] == ["round"]))
    assert [row[0] for row in rows[header + 1 :]] == ["1", "2"]
    assert [row[4] for row in rows[header + 1 :]] == ["yes", "yes"]
