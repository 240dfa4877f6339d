"""Slack pulse surveys end to end: signed requests into the real server, the fake Web API records
what the bot did, the pulse runner closes surveys and refreshes cards on short timers."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.handlers.slack import ids
from bot.handlers.slack.blocks import escape
from bot.views.catalogue import PULSE_NOT_IN_A_DM as NOT_IN_A_DM
from storage.pulse import SurveyStatus
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import EndpointResponse
from testing.fakes.workspace import DM_CHANNEL, GENERAL_CHANNEL, TEAM_ID
from testing.flows.slack import all_text, buttons, posts
from testing.flows.slack_pulse import (
    LAUNCHER,
    answer,
    answer_values,
    choices,
    launch,
    launch_values,
    open_answer_modal,
    open_launch_modal,
    press_button,
    radio_inputs,
    results_posts,
    stored_survey,
    submit_answers,
    submit_launch,
    survey_id,
    text_of,
    wait_for_results,
)
from tests.server.conftest import RunningServer, running, token_settings
from tests.server.test_slack_oauth import CLIENT_ID, begin_install, finish_install

ADMIN_USER = "U0BOSS"  # in ADMIN_USERS
WORKSPACE_ADMIN = "U0WSADMIN"  # an admin according to users.info
OTHER = "U0OTHER"
RESPONDENTS = [f"U0R{n:02d}" for n in range(1, 21)]
PULSE_QUESTIONS = 5
# Anything that would show how people answered: the bars and percentages of the results.
DISTRIBUTION_MARKS = ("█", "%")


@pytest.fixture
async def server(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    settings = token_settings(
        tmp_path,
        slack_api,
        admin_users=ADMIN_USER,
        pulse_tick_seconds=0.2,
        pulse_count_seconds=0.3,
    )
    async for running_server in running(settings, slack_api):
        yield running_server


# --- launching ----------------------------------------------------------------------------


async def test_launch_opens_a_modal_and_posts_the_card_with_a_zero_count(
    server: RunningServer,
) -> None:
    view = await open_launch_modal(server)
    opened = server.api.last("views.open")
    assert opened.params["trigger_id"]
    assert view["callback_id"] == ids.PULSE_LAUNCH_VIEW
    assert json.loads(view["private_metadata"]) == {"channel": GENERAL_CHANNEL}
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.PULSE_DEADLINE_BLOCK)
    in_three_days = time.time() + 3 * 86_400
    assert abs(picker["element"]["initial_date_time"] - in_three_days) < 60
    number = next(b for b in view["blocks"] if b.get("block_id") == ids.PULSE_THRESHOLD_BLOCK)
    assert number["element"]["initial_value"] == "5"
    assert number["element"]["is_decimal_allowed"] is False

    reply = await submit_launch(server, view, launch_values(threshold="4"))
    assert reply.status == 200
    [card] = await server.api.wait_for("chat.postMessage")
    assert card.params["channel"] == GENERAL_CHANNEL
    assert "0 people have answered" in all_text(card)
    assert buttons(card, ids.PULSE_ANSWER_ACTION)
    assert buttons(card, ids.PULSE_CLOSE_ACTION)
    survey = await stored_survey(server, survey_id(card), lambda s: bool(s.message))
    assert survey.threshold == 4
    assert survey.status is SurveyStatus.OPEN
    assert survey.message["channel"] == GENERAL_CHANNEL
    assert survey.message["ts"] == server.api.answer_of(card)["ts"]


async def test_launch_validation_errors_come_back_on_the_right_block(
    server: RunningServer,
) -> None:
    view = await open_launch_modal(server)
    past = await submit_launch(server, view, launch_values(deadline=time.time() - 3600))
    assert past.json()["response_action"] == "errors"
    assert "future" in past.json()["errors"][ids.PULSE_DEADLINE_BLOCK]
    far = await submit_launch(server, view, launch_values(deadline=time.time() + 91 * 86_400))
    assert "90 days" in far.json()["errors"][ids.PULSE_DEADLINE_BLOCK]
    two = await submit_launch(server, view, launch_values(threshold="2"))
    assert two.json()["response_action"] == "errors"
    assert set(two.json()["errors"]) == {ids.PULSE_THRESHOLD_BLOCK}
    assert "3" in two.json()["errors"][ids.PULSE_THRESHOLD_BLOCK]
    await asyncio.sleep(0.2)
    assert not server.api.calls("chat.postMessage")
    assert await server.app.pulse.latest("slack", TEAM_ID, GENERAL_CHANNEL) is None


async def test_launch_in_a_dm_is_refused(server: RunningServer) -> None:
    reply = await server.slack.slash_command("pulse", channel_id=DM_CHANNEL)
    assert reply.status == 200
    [refusal] = await server.api.wait_for("response_url")
    assert NOT_IN_A_DM in all_text(refusal)
    assert not server.api.calls("views.open")


async def test_bot_not_in_the_channel_withdraws_and_tells_the_launcher(
    server: RunningServer,
) -> None:
    private = "C0PRIVATE"
    view = await open_launch_modal(server, channel=private)
    server.api.fail("chat.postMessage", "not_in_channel")
    reply = await submit_launch(server, view, launch_values())
    assert reply.status == 200
    told = await server.api.wait_for("chat.postMessage", count=2)
    assert told[-1].params["channel"] == DM_CHANNEL
    assert "invite" in all_text(told[-1]).lower()
    assert await server.app.pulse.latest("slack", TEAM_ID, private) is None


# --- answering ------------------------------------------------------------------------------


async def test_answer_modal_is_prefilled_the_second_time(server: RunningServer) -> None:
    card = await launch(server)
    first = await open_answer_modal(server, card, RESPONDENTS[0])
    assert first["callback_id"] == ids.PULSE_ANSWER_VIEW
    assert first["private_metadata"] == survey_id(card)
    assert len(radio_inputs(first)) == PULSE_QUESTIONS
    assert all("initial_option" not in block["element"] for block in radio_inputs(first))
    chosen = choices(first, [1, 0, 2, 1, 0])
    reply = await submit_answers(server, survey_id(card), RESPONDENTS[0], chosen)
    assert reply.json()["response_action"] == "update"
    assert "Thanks" in text_of(reply.json()["view"])

    second = await open_answer_modal(server, card, RESPONDENTS[0])
    prefilled = {
        block["block_id"]: block["element"]["initial_option"]["value"]
        for block in radio_inputs(second)
    }
    assert prefilled == chosen
    assert second["submit"]["text"] == "Update"
    # Someone else sees an empty form.
    other = await open_answer_modal(server, card, RESPONDENTS[1])
    assert all("initial_option" not in block["element"] for block in radio_inputs(other))


async def test_changing_an_answer_keeps_one_response(server: RunningServer) -> None:
    card = await launch(server)
    assert "Thanks" in await answer(server, card, RESPONDENTS[0], pick=0)
    assert "updated" in await answer(server, card, RESPONDENTS[0], pick=1)
    assert await server.app.pulse.count(survey_id(card)) == 1
    updates = await server.api.wait_for(
        "chat.update", where=lambda c: "1 person has answered" in all_text(c)
    )
    assert "2 people have answered" not in all_text(updates[-1])


async def test_a_missing_answer_is_an_error_on_its_question(server: RunningServer) -> None:
    card = await launch(server)
    view = await open_answer_modal(server, card, RESPONDENTS[0])
    chosen = choices(view)
    missing = next(iter(chosen))
    del chosen[missing]
    reply = await submit_answers(server, survey_id(card), RESPONDENTS[0], chosen)
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {missing}
    assert await server.app.pulse.count(survey_id(card)) == 0


async def test_a_burst_of_answers_gives_a_few_card_updates_ending_with_the_count(
    server: RunningServer,
) -> None:
    card = await launch(server)
    view = await open_answer_modal(server, card, RESPONDENTS[0])
    chosen = choices(view)

    async def answer_after(delay: float, user: str) -> EndpointResponse:
        await asyncio.sleep(delay)
        return await submit_answers(server, survey_id(card), user, chosen)

    # 20 answers over about a second: several count windows (0.3 s), far fewer than 20.
    replies = await asyncio.gather(
        *(answer_after(0.05 * n, user) for n, user in enumerate(RESPONDENTS))
    )
    assert all(reply.json()["response_action"] == "update" for reply in replies)
    final = await server.api.wait_for(
        "chat.update", where=lambda c: "20 people have answered" in all_text(c), timeout=5
    )
    await asyncio.sleep(0.8)  # any late refresh would have arrived by now
    updates = server.api.calls("chat.update")
    assert 2 <= len(updates) <= 8, len(updates)
    assert "20 people have answered" in all_text(updates[-1])
    assert final
    for update in updates:  # the count only, never a distribution, while open
        assert not any(mark in all_text(update) for mark in DISTRIBUTION_MARKS)


# --- closing ------------------------------------------------------------------------------


async def test_close_button_permissions(server: RunningServer) -> None:
    server.api.workspace_admins.add(WORKSPACE_ADMIN)
    first = await launch(server)
    # Someone who neither launched it nor administers anything is refused, politely.
    await press_button(server, first, ids.PULSE_CLOSE_ACTION, OTHER)
    [refusal] = await server.api.wait_for("response_url")
    assert refusal.params["response_type"] == "ephemeral"
    assert "Only the person who launched" in all_text(refusal)
    assert [c.params["user"] for c in server.api.calls("users.info")] == [OTHER]
    survey = await server.app.pulse.survey(survey_id(first))
    assert survey is not None
    assert survey.status is SurveyStatus.OPEN
    # A workspace admin (users.info) may.
    await press_button(server, first, ids.PULSE_CLOSE_ACTION, WORKSPACE_ADMIN)
    await wait_for_results(server)
    closed = await server.app.pulse.survey(survey_id(first))
    assert closed is not None
    assert closed.status is SurveyStatus.CLOSED

    # ADMIN_USERS may, without asking Slack.
    second = await launch(server)
    await press_button(server, second, ids.PULSE_CLOSE_ACTION, ADMIN_USER)
    await wait_for_results(server, count=2)
    # The launcher may, without asking Slack.
    third = await launch(server)
    await press_button(server, third, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    await wait_for_results(server, count=3)
    asked = [c.params["user"] for c in server.api.calls("users.info")]
    assert asked == [OTHER, WORKSPACE_ADMIN]
    # The cards are redrawn closed, without buttons.
    closed_cards = await server.api.wait_for(
        "chat.update", count=3, where=lambda c: "Closed: " in all_text(c)
    )
    assert all(not buttons(c, "pulse_") for c in closed_cards)


async def test_slash_pulse_close(server: RunningServer) -> None:
    await launch(server)
    await server.slack.slash_command("pulse close", user_id=OTHER)
    [refusal] = await server.api.wait_for("response_url")
    assert "Only the person who launched" in all_text(refusal)
    await server.slack.slash_command("pulse close", user_id=LAUNCHER)
    replies = await server.api.wait_for("response_url", count=2)
    assert "Closed" in all_text(replies[-1])
    await wait_for_results(server)
    await server.slack.slash_command("pulse close", user_id=LAUNCHER)
    replies = await server.api.wait_for("response_url", count=3)
    assert "no open pulse survey" in all_text(replies[-1])


async def test_close_by_deadline_with_nobody_interacting(server: RunningServer) -> None:
    card = await launch(server, deadline=time.time() + 2)
    results = await wait_for_results(server, within=6)
    assert "0 people have answered" in all_text(results)
    assert "results stay hidden" in all_text(results)
    survey = await stored_survey(server, survey_id(card), lambda s: bool(s.results_posted_at))
    assert survey.status is SurveyStatus.CLOSED


async def test_reminder_is_posted_once_in_the_cards_thread(server: RunningServer) -> None:
    card = await launch(server, deadline=time.time() + 3, remind=True)
    reminders = await server.api.wait_for(
        "chat.postMessage", where=lambda c: "Reminder" in c.params.get("text", ""), timeout=5
    )
    assert reminders[0].params["thread_ts"] == server.api.answer_of(card)["ts"]
    assert buttons(reminders[0], ids.PULSE_ANSWER_ACTION)
    await wait_for_results(server, within=6)
    reminded = [c for c in posts(server) if "Reminder" in c.params.get("text", "")]
    assert len(reminded) == 1


# --- results ------------------------------------------------------------------------------


async def test_threshold_not_met_hides_every_distribution(server: RunningServer) -> None:
    card = await launch(server, threshold="3")
    await answer(server, card, RESPONDENTS[0], pick=0)
    await answer(server, card, RESPONDENTS[1], pick=1)
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    results = await wait_for_results(server)
    assert "2 people have answered" in all_text(results)
    assert "results stay hidden" in all_text(results)
    assert not buttons(results, ids.PULSE_EXPORT_ACTION)
    await server.slack.slash_command("pulse results")
    again = await wait_for_results(server, count=2)
    assert "results stay hidden" in all_text(again)
    await server.slack.slash_command("pulse export", user_id=LAUNCHER)
    [refused] = await server.api.wait_for("response_url")
    assert "results stay hidden" in all_text(refused)
    await asyncio.sleep(0.3)
    everything = [
        *server.api.calls("chat.postMessage"),
        *server.api.calls("chat.update"),
        *server.api.calls("response_url"),
    ]
    for call in everything:
        assert not any(mark in all_text(call) for mark in DISTRIBUTION_MARKS), call
    assert not server.api.uploads()


async def test_results_message_content_chart_and_slash_results(server: RunningServer) -> None:
    card = await launch(server, threshold="3")
    # Two pick the first option everywhere, two the second: every question is split.
    for user, pick in zip(RESPONDENTS[:4], [0, 0, 1, 1], strict=True):
        await answer(server, card, user, pick=pick)
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    results = await wait_for_results(server)
    text = all_text(results)
    assert "4 people have answered" in text
    assert "anonymity threshold 3" in text
    assert "█" in text
    assert "50%" in text
    assert "The team points to" in text
    assert "Where the team is split" in text
    assert buttons(results, ids.PULSE_EXPORT_ACTION)
    [chart] = (await server.api.wait_for("files.completeUploadExternal"))[:1]
    assert chart.params["channel_id"] == GENERAL_CHANNEL
    [upload] = server.api.uploads(GENERAL_CHANNEL)
    assert upload.content is not None
    assert upload.content.startswith(b"\x89PNG")

    # Anyone may post them again: the same message and chart, by the bot, in the channel.
    await server.slack.slash_command("pulse results", user_id=OTHER)
    again = await wait_for_results(server, count=2)
    assert "Where the team is split" in all_text(again)
    await server.api.wait_for("files.completeUploadExternal", count=2)
    assert len(server.api.uploads(GENERAL_CHANNEL)) == 2
    assert not server.api.calls("response_url")


async def test_slash_results_without_the_bot_in_the_channel_come_by_response_url(
    server: RunningServer,
) -> None:
    card = await launch(server, threshold="3")
    for user in RESPONDENTS[:3]:
        await answer(server, card, user)
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    await wait_for_results(server)
    server.api.fail("chat.postMessage", "not_in_channel")  # the bot was removed since

    await server.slack.slash_command("pulse results", user_id=OTHER)

    [again] = await server.api.wait_for("response_url")
    assert again.params["response_type"] == "in_channel"
    assert "3 people have answered" in all_text(again)


async def test_a_failed_chart_upload_leaves_the_results(server: RunningServer) -> None:
    card = await launch(server, threshold="3")
    for user in RESPONDENTS[:3]:
        await answer(server, card, user)
    server.api.fail("files.getUploadURLExternal", "internal_error")
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    await wait_for_results(server)
    await asyncio.sleep(0.5)  # a retry of the results would post them again
    assert len(results_posts(server)) == 1
    assert not server.api.uploads()


async def test_see_all_numbers_opens_every_question_s_numbers(server: RunningServer) -> None:
    card = await launch(server, threshold="3")
    for user, pick in zip(RESPONDENTS[:4], [0, 0, 1, 1], strict=True):
        await answer(server, card, user, pick=pick)
    # A forged press on the survey while it is open shows nothing of the answers so far.
    survey_id = buttons(card, ids.PULSE_ANSWER_ACTION)[0]["value"]
    opened_before = len(server.api.calls("views.open"))
    forged = await server.slack.block_action(
        ids.PULSE_NUMBERS_ACTION, survey_id, user_id=OTHER, channel_id=GENERAL_CHANNEL
    )
    assert forged.status == 200
    early = (await server.api.wait_for("views.open", count=opened_before + 1))[-1]
    assert "once the survey has closed" in all_text(early)
    assert "%" not in all_text(early)

    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    results = await wait_for_results(server)
    assert "1. " not in all_text(results)  # the per-question numbers are not in the channel
    await press_button(server, results, ids.PULSE_NUMBERS_ACTION, OTHER)
    opened = (await server.api.wait_for("views.open", count=opened_before + 2))[-1]
    view = opened.params["view"]
    assert view["callback_id"] == ids.PULSE_NUMBERS_VIEW
    numbers = all_text(opened)
    for n, question in enumerate(server.app.knowledge.pulse_questions, 1):
        assert f"{n}. " in numbers
        assert escape(question.prompt) in numbers
    assert "(2)" in numbers  # two of the four on each side
    assert not any(user in numbers for user in RESPONDENTS)


async def test_export_csv_to_the_requesters_dm(server: RunningServer) -> None:
    card = await launch(server, threshold="3")
    for user in RESPONDENTS[:3]:
        await answer(server, card, user)
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    results = await wait_for_results(server)
    await server.api.wait_for("files.completeUploadExternal")  # the chart

    await press_button(server, results, ids.PULSE_EXPORT_ACTION, OTHER)
    [refusal] = await server.api.wait_for("response_url")
    assert "Only the person who launched" in all_text(refusal)

    await press_button(server, results, ids.PULSE_EXPORT_ACTION, LAUNCHER)
    await server.api.wait_for("files.completeUploadExternal", count=2)
    [export] = server.api.uploads(DM_CHANNEL)
    assert export.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0][:4] == ["question_id", "question", "dimension", "option_id"]
    assert ["respondents", "3", "threshold", "3"] in rows
    assert not any(user in export.text for user in RESPONDENTS)

    await server.slack.slash_command("pulse export", user_id=ADMIN_USER)
    await server.api.wait_for("files.completeUploadExternal", count=3)
    assert len(server.api.uploads("D0BOSS")) == 1
    sent = await server.api.wait_for(
        "response_url", count=2, where=lambda c: "direct message" in all_text(c)
    )
    assert all(c.params["response_type"] == "ephemeral" for c in sent)


async def test_answering_after_close_says_it_is_closed(server: RunningServer) -> None:
    card = await launch(server, threshold="3")
    view = await open_answer_modal(server, card, RESPONDENTS[0])
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, LAUNCHER)
    await wait_for_results(server)
    late = await submit_answers(server, survey_id(card), RESPONDENTS[0], choices(view))
    assert late.json()["response_action"] == "update"
    assert "closed" in text_of(late.json()["view"])
    assert await server.app.pulse.count(survey_id(card)) == 0
    closed_view = await open_answer_modal(server, card, RESPONDENTS[1])
    assert "closed" in text_of(closed_view)
    assert not radio_inputs(closed_view)
    assert "submit" not in closed_view


async def test_pulse_help_for_an_unknown_subcommand(server: RunningServer) -> None:
    await server.slack.slash_command("pulse frobnicate")
    [reply] = await server.api.wait_for("response_url")
    assert "/ai-owner pulse close" in all_text(reply)
    await server.slack.slash_command("help")
    replies = await server.api.wait_for("response_url", count=2)
    assert "/ai-owner pulse" in all_text(replies[-1])


# --- anonymity ------------------------------------------------------------------------------


async def test_no_respondent_reaches_the_logs_the_database_the_results_or_the_export(
    server: RunningServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="storage")
    server.api.workspace_admins.add(WORKSPACE_ADMIN)
    card = await launch(server, threshold="3", remind=True, deadline=time.time() + 86_400 * 2)
    people = RESPONDENTS[:4]
    for user in people:
        await answer(server, card, user, pick=0)
    await answer(server, card, people[0], pick=1)  # a change
    await open_answer_modal(server, card, people[1])  # opened twice: prefilled
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, OTHER)  # refused
    await server.api.wait_for("response_url")
    await press_button(server, card, ids.PULSE_CLOSE_ACTION, WORKSPACE_ADMIN)
    results = await wait_for_results(server)
    await press_button(server, results, ids.PULSE_EXPORT_ACTION, LAUNCHER)
    await server.api.wait_for("files.completeUploadExternal", count=2)
    await submit_answers(server, survey_id(card), people[2], {})  # after close

    everyone = [*people, LAUNCHER, OTHER, WORKSPACE_ADMIN]
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert any(survey_id(card) in line for line in logged)  # the survey is logged
    for line in logged:
        assert not any(user in line for user in everyone), line

    # What the channel saw (the card, its updates, the reminder, the results and the chart)
    # and the export: counts, never a person.
    name = re.compile(r"\bada\b")  # the user name every recorded Slack payload carries
    seen = [
        json.dumps(call.params, ensure_ascii=False)
        for call in server.api.calls()
        if call.method in ("chat.postMessage", "chat.update", "files.completeUploadExternal")
    ]
    seen += [(upload.content or b"").decode("latin-1") for upload in server.api.uploads()]
    assert any("question_id" in text for text in seen)  # the CSV is among them
    for text in seen:
        assert not any(user in text for user in everyone), text
        assert not name.search(text), text

    database = sqlite3.connect(tmp_path / "advisor.db")
    try:
        tables = [
            row[0] for row in database.execute("select name from sqlite_master where type='table'")
        ]
        for table in tables:
            for row in database.execute(f'select * from "{table}"'):
                assert not any(user in str(row) for user in everyone), (table, row)
                assert not name.search(str(row)), (table, row)
        # No delivery de-duplication for any survey button (its key involves the user id).
        assert database.execute("select count(*) from deliveries").fetchone() == (0,)
    finally:
        database.close()


# --- OAuth mode: the runner uses the survey workspace's own bot token ------------------------


@pytest.fixture
async def oauth_server(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    settings = token_settings(
        tmp_path,
        slack_api,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret",
        slack_state_secret="state-secret-0123456789",
        pulse_tick_seconds=0.2,
        pulse_count_seconds=0.2,
    )
    async for running_server in running(settings, slack_api):
        yield running_server


async def test_oauth_workspace_surveys_use_the_installed_token(
    oauth_server: RunningServer,
) -> None:
    server, team, token = oauth_server, "T0002", "xoxb-installed-1"
    async with aiohttp.ClientSession() as session:
        _, state, cookie = await begin_install(session, server.base)
        assert await finish_install(session, server.base, state, cookie) == 200
    await server.slack.slash_command("pulse", team_id=team)
    [opened] = await server.api.wait_for("views.open")
    view = opened.params["view"]
    await server.slack.view_submission(
        ids.PULSE_LAUNCH_VIEW,
        launch_values(threshold="3"),
        team_id=team,
        private_metadata=view["private_metadata"],
    )
    [card] = await server.api.wait_for("chat.postMessage")
    reply = await server.slack.view_submission(
        ids.PULSE_ANSWER_VIEW,
        answer_values({"pulse_q:nonexistent": "x"}),
        team_id=team,
        private_metadata=survey_id(card),
    )
    assert reply.json()["response_action"] == "update"  # a stale form: nothing recorded
    survey = await server.app.pulse.survey(survey_id(card))
    assert survey is not None
    chosen = {
        ids.pulse_question_block(q.id): q.options[0].id for q in server.app.pulse.questions(survey)
    }
    for user in RESPONDENTS[:3]:
        await server.slack.view_submission(
            ids.PULSE_ANSWER_VIEW,
            answer_values(chosen),
            team_id=team,
            user_id=user,
            private_metadata=survey.id,
        )
    [update] = await server.api.wait_for(
        "chat.update", where=lambda c: "3 people have answered" in all_text(c)
    )
    assert update.token == token
    await server.slack.slash_command("pulse close", team_id=team)
    results = await wait_for_results(server)
    assert results.token == token
    await server.api.wait_for("files.completeUploadExternal")
    assert {c.token for c in server.api.calls() if c.method.startswith(("chat.", "files."))} == {
        token
    }


async def test_results_that_fail_to_post_are_left_to_the_runner(server: RunningServer) -> None:
    card = await launch(server)
    server.api.fail("chat.postMessage", "internal_error")
    await server.slack.slash_command("pulse close", user_id=LAUNCHER)
    [reply] = await server.api.wait_for("response_url")
    assert "results will be posted" in all_text(reply)
    survey = await server.app.pulse.survey(survey_id(card))
    assert survey is not None
    assert survey.status is SurveyStatus.CLOSED
    assert survey.results_posted_at is None  # a later tick, after the claim's lease, retries
