"""Anonymity across rounds, end to end on Slack: a recurring pulse run over two rounds that the
same people answer, with a diagnostic compared against the team, the trend and the export. The
database, the logs, the exports and everything posted in the channel name no respondent, and
nothing stored links a person to an answer or one round's answer to another's."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.handlers.slack import ids
from storage.series import PauseReason, SeriesStatus
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.workspace import GENERAL_CHANNEL, TEAM_ID, USER_ID
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
from tests.server.test_pulse_compare import take_diagnostic

RESPONDENTS = [USER_ID, *(f"U0R{n:02d}" for n in range(1, 5))]


@pytest.fixture
async def server(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    settings = token_settings(tmp_path, slack_api, pulse_tick_seconds=0.2, pulse_count_seconds=0.3)
    async for running_server in running(settings, slack_api):
        yield running_server


async def test_rounds_reminders_and_comparisons_name_nobody_and_link_nothing(
    server: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="storage")
    await take_diagnostic(server)  # USER_ID has a diagnostic of their own to compare
    view = await open_launch_modal(server)
    values = launch_values(
        deadline=time.time() + 2 * 86_400, threshold="3", repeat="weekly", remind=True
    )
    await submit_launch(server, view, values)
    [series] = await server.app.series.channel("slack", TEAM_ID, GENERAL_CHANNEL)
    rounds = []
    for number in (1, 2):
        cards = await server.api.wait_for("chat.postMessage", count=number, where=is_card)
        card = cards[-1]
        for index, user in enumerate(RESPONDENTS):
            await answer(server, card, user, pick=(index + number) % 2)
        await answer(server, card, RESPONDENTS[0], pick=2)  # a change of mind
        await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
        results = await wait_for_results(server, count=number)
        rounds.append(card)
        await press_button(server, results, ids.PULSE_COMPARE_ACTION, USER_ID)
        await press_button(server, results, ids.PULSE_EXPORT_ACTION, LAUNCHER)
        if number == 1:  # the next round now, rather than in a week
            store = server.app.storage.series
            await store.set_series_status(
                series.id, SeriesStatus.PAUSED, reason=PauseReason.BY_PERSON
            )
            await store.set_series_status(
                series.id,
                SeriesStatus.ACTIVE,
                next_occurrence=1,
                next_open_at=server.app.series.now(),
            )
    await server.api.wait_for("views.open", count=2 + 2 * len(RESPONDENTS) + 2)

    respondents = set(RESPONDENTS)
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    for line in logged:
        if "pulse" in line or "survey" in line or "series" in line:
            assert not any(user in line for user in respondents), line

    # What the channel saw (cards, updates, results, charts) and the exports: no person.
    seen = [
        json.dumps(call.params, ensure_ascii=False)
        for call in server.api.calls()
        if call.method in ("chat.postMessage", "chat.update", "files.completeUploadExternal")
        and call.params.get("channel", call.params.get("channel_id")) == GENERAL_CHANNEL
    ]
    seen += [(upload.content or b"").decode("latin-1") for upload in server.api.uploads()]
    assert any("question_id" in text for text in seen)
    for text in seen:
        assert not any(user in text for user in respondents), text

    database = sqlite3.connect(tmp_path / "advisor.db")
    try:
        pulse_tables = ("surveys", "survey_responses", "survey_marks", "survey_series")
        for table in pulse_tables:
            for row in database.execute(f'select * from "{table}"'):
                assert not any(user in str(row) for user in respondents), (table, row)
        # One response per person per round, under keys no two rounds share.
        keys = [
            {key for (key,) in database.execute(
                "select respondent_key from survey_responses where survey_id = ?", (survey,)
            )}
            for (survey,) in database.execute(
                "select id from surveys where series_id = ? order by round_number", (series.id,)
            )
        ]  # fmt: skip
        assert [len(k) for k in keys] == [len(RESPONDENTS)] * 2
        assert not keys[0] & keys[1]
        # Who took part is forgotten once a round closes.
        assert database.execute("select count(*) from survey_marks").fetchone() == (0,)
        # The responses table has nothing but the survey, the key and the answers.
        columns = [row[1] for row in database.execute("pragma table_info(survey_responses)")]
        assert columns == ["survey_id", "respondent_key", "answers"]
        assert re.fullmatch(r"[0-9a-f]{64}", next(iter(keys[0])))
    finally:
        database.close()
