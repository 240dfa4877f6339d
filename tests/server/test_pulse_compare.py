"""You vs your team on Slack, end to end: a diagnostic taken in the DM, a pulse run to its
threshold and closed, then "Compare with my diagnostic" (and `/ai-owner pulse compare`) opens
a modal for the person who pressed, and for no one else."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.handlers.slack import ids
from bot.handlers.slack.blocks import escape
from bot.views import catalogue
from testing.fakes.slack_api import ApiCall, FakeSlackApi
from testing.fakes.workspace import GENERAL_CHANNEL, USER_ID
from testing.flows.slack import is_summary, last_question, posts, press
from testing.flows.slack_pulse import (
    LAUNCHER,
    answer,
    launch,
    press_button,
    survey_id,
    wait_for_results,
)
from tests.server.conftest import RunningServer, running, token_settings
from tests.server.test_slack import start

OTHER = "U0OTHER"  # never took the diagnostic
RESPONDENTS = [f"U0R{n:02d}" for n in range(1, 6)]


@pytest.fixture
async def server(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    settings = token_settings(tmp_path, slack_api, pulse_tick_seconds=0.2, pulse_count_seconds=0.3)
    async for running_server in running(settings, slack_api):
        yield running_server


async def take_diagnostic(server: RunningServer) -> None:
    """USER_ID answers every question with its first option (an IT-led result)."""
    await start(server)
    for _ in range(30):
        if is_summary(posts(server)[-1]):
            return
        await press(server, last_question(server), index=0)
    raise AssertionError("the diagnostic did not finish")


async def opened_view(server: RunningServer, before: int) -> ApiCall:
    return (await server.api.wait_for("views.open", count=before + 1))[-1]


def text(call: ApiCall) -> str:
    return json.dumps(call.params, ensure_ascii=False)


async def press_compare(server: RunningServer, results: ApiCall, user: str) -> dict[str, Any]:
    before = len(server.api.calls("views.open"))
    await press_button(server, results, ids.PULSE_COMPARE_ACTION, user)
    view: dict[str, Any] = (await opened_view(server, before)).params["view"]
    return view


async def test_compare_shows_your_answers_beside_the_team_to_you_alone(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await take_diagnostic(server)
    card = await launch(server, threshold="3", deadline=time.time() + 86_400)

    # Pressed while the survey is open (a forged press): nothing of the answers so far.
    open_id = survey_id(card)
    before = len(server.api.calls("views.open"))
    forged = await server.slack.block_action(
        ids.PULSE_COMPARE_ACTION, open_id, user_id=USER_ID, channel_id=GENERAL_CHANNEL
    )
    assert forged.status == 200
    early = await opened_view(server, before)
    assert escape(catalogue.COMPARE_WHEN_CLOSED) in text(early)
    assert "%" not in text(early)

    # A team that mostly answered differently from USER_ID's first options.
    for user in RESPONDENTS[:4]:
        await answer(server, card, user, pick=3)
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    results = await wait_for_results(server)

    view = await press_compare(server, results, USER_ID)
    assert view["callback_id"] == ids.PULSE_COMPARE_VIEW
    shown = json.dumps(view, ensure_ascii=False)
    assert catalogue.COMPARE_TITLE in shown
    for question in server.app.knowledge.pulse_questions:
        assert escape(question.prompt) in shown
        assert escape(catalogue.you_answered(question.options[0].label)) in shown
    assert catalogue.COMPARE_SCORES_HEADING in shown
    assert "you 0% · team" in shown  # a model only the team leans to
    assert escape(catalogue.COMPARE_DIFFERENCES_HEADING) in shown
    assert "↳" in shown  # the article point behind a difference, with its source
    assert "(4)" in shown  # the team's counts, as the results' own numbers show them
    assert not any(user in shown for user in [*RESPONDENTS, LAUNCHER, OTHER])

    # Only a modal for the presser: nothing posted in the channel, nothing to anyone else.
    assert not any(catalogue.COMPARE_TITLE in text(call) for call in posts(server, GENERAL_CHANNEL))

    # `/ai-owner pulse compare` in the channel: the same, for the latest closed survey.
    before = len(server.api.calls("views.open"))
    reply = await server.slack.slash_command(
        "pulse compare", user_id=USER_ID, channel_id=GENERAL_CHANNEL
    )
    assert reply.status == 200
    again = (await opened_view(server, before)).params["view"]
    assert again["callback_id"] == ids.PULSE_COMPARE_VIEW

    logged = [r.getMessage() for r in caplog.records if "pulse compare" in r.getMessage()]
    assert any("outcome=shown" in line for line in logged)
    for line in logged:
        assert not any(user in line for user in [USER_ID, *RESPONDENTS, LAUNCHER]), line


async def test_without_a_diagnostic_you_are_told_to_take_it_first(server: RunningServer) -> None:
    card = await launch(server, threshold="3")
    for user in RESPONDENTS[:3]:
        await answer(server, card, user, pick=0)
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    results = await wait_for_results(server)

    view = await press_compare(server, results, OTHER)
    shown = json.dumps(view, ensure_ascii=False)
    assert escape(catalogue.COMPARE_NO_DIAGNOSTIC) in shown
    assert "%" not in shown
    assert view["callback_id"] != ids.PULSE_COMPARE_VIEW


async def test_results_below_the_threshold_cannot_be_compared(server: RunningServer) -> None:
    await take_diagnostic(server)
    card = await launch(server, threshold="3")
    await answer(server, card, RESPONDENTS[0], pick=0)
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    await wait_for_results(server)

    before = len(server.api.calls("views.open"))
    reply = await server.slack.slash_command(
        "pulse compare", user_id=USER_ID, channel_id=GENERAL_CHANNEL
    )
    assert reply.status == 200
    shown = text(await opened_view(server, before))
    assert "anonymity threshold" in shown
    assert "nothing to compare" in shown
    assert "%" not in shown


async def test_slash_compare_without_a_closed_survey_says_so(server: RunningServer) -> None:
    reply = await server.slack.slash_command("pulse compare", channel_id=GENERAL_CHANNEL)
    assert reply.status == 200
    [said] = await server.api.wait_for("response_url")
    assert catalogue.NO_CLOSED_SURVEY in text(said)
    assert not server.api.calls("views.open")
