"""Slack end to end: a retake shows what changed since the last result, the App Home lists
the earlier results, and the copy shared to a channel carries the stage and the plan, never an
answer."""

from __future__ import annotations

from bot.handlers.slack import ids
from bot.views import catalogue
from testing.fakes.slack_requests import app_home_opened
from testing.fakes.workspace import USER_ID
from testing.flows.slack import (
    all_text,
    buttons,
    is_summary,
    last_question,
    message_ts,
    posts,
    press,
)
from tests.server.conftest import RunningServer
from tests.server.test_slack import start


async def finish(server: RunningServer, index: int) -> str:
    while not is_summary(posts(server)[-1]):
        await press(server, last_question(server), index=index)
    return all_text(posts(server)[-1])


async def test_a_retake_shows_progress_and_the_home_the_history(server: RunningServer) -> None:
    await start(server)
    first = await finish(server, index=0)
    assert "IT-led AI platform" in first
    assert catalogue.PROGRESS_HEADING not in first  # nothing to compare with yet

    summary = posts(server)[-1]
    (retake,) = buttons(summary, ids.command_action_id("restart"))
    before = len(posts(server))
    await server.slack.block_action(
        retake["action_id"], retake.get("value", ""), message_ts=message_ts(server, summary)
    )
    await server.api.wait_for("chat.postMessage", count=before + 2)  # the welcome, question 1
    second = await finish(server, index=2)

    assert catalogue.PROGRESS_HEADING in second
    assert "IT-led AI platform on " in second  # the model then
    assert "Dedicated AI leadership now" in second
    assert catalogue.ANSWERS_CHANGED in second
    assert catalogue.HISTORY_HEADING in second

    await server.slack.event(app_home_opened(USER_ID))
    home = all_text((await server.api.wait_for("views.publish"))[-1])
    assert "Dedicated AI leadership" in home
    assert catalogue.HISTORY_HEADING in home
    assert "IT-led AI platform (" in home  # the earlier result, with its share
