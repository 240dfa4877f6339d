"""Slack end to end: signed requests into the real server, the fake Web API records the bot's
calls."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bot.handlers.slack import ids
from bot.views.catalogue import DIAGNOSTIC_STARTED as STARTED
from storage.conversations import ConversationKey
from testing.fakes.slack_requests import (
    app_home_opened,
    app_mention,
    app_uninstalled,
    bot_message,
    dm_message,
    tokens_revoked,
)
from testing.fakes.workspace import DM_CHANNEL, GENERAL_CHANNEL, TEAM_ID, USER_ID
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

KEY = ConversationKey("slack", TEAM_ID, USER_ID)


async def start(server: RunningServer) -> None:
    reply = await server.slack.slash_command("start")
    assert reply.status == 200
    assert STARTED in reply.body
    await server.api.wait_for("chat.postMessage", count=2)


async def test_healthz(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as session, session.get(server.base + "/healthz") as reply:
        assert reply.status == 200
        assert await reply.json() == {"status": "ok"}


async def test_slash_start_acks_fast_and_asks_in_the_dm(server: RunningServer) -> None:
    reply = await server.slack.slash_command("")
    assert reply.status == 200
    assert reply.elapsed < 3
    assert STARTED in reply.body
    await server.api.wait_for("chat.postMessage", count=2)
    assert server.api.calls("conversations.open")[0].params["users"] == USER_ID
    question = last_question(server)
    assert question.params["channel"] == DM_CHANNEL
    assert question.params["text"]  # the plain-text fallback
    assert len(buttons(question)) == 4


async def test_full_diagnostic_by_buttons(server: RunningServer) -> None:
    await start(server)
    for _ in range(30):
        latest = posts(server)[-1]
        if is_summary(latest):
            break
        await press(server, last_question(server), index=0)
    summary = posts(server)[-1]
    assert is_summary(summary)
    assert "IT-led" in all_text(summary)
    # Every answered question was updated in place: no buttons left, the answer shown.
    updates = server.api.calls("chat.update")
    assert len(updates) == 12
    assert all(not buttons(update) for update in updates)
    assert all("Your answer" in all_text(update) for update in updates)
    record = await server.app.storage.conversations.latest_assessment(KEY)
    assert record is not None
    assert record.recommendation == "it_led"


async def test_full_diagnostic_by_free_text(server: RunningServer) -> None:
    await start(server)
    answers = ["b", "the second one", "ROI and hours saved", "a few weeks in one area"]
    answers += ["a business leader, not IT"] + ["b"] * 7
    for number, text in enumerate(answers, start=1):
        before = len(posts(server))
        await server.slack.event(dm_message(text, USER_ID))
        await server.api.wait_for("chat.postMessage", count=before + 2)
        assert "✓" in all_text(posts(server)[before]), (number, text)  # understood
    await server.api.wait_for("chat.postMessage", where=is_summary)
    assert "Business-led" in all_text(posts(server)[-1])


async def test_unsure_free_text_asks_back_with_buttons(server: RunningServer) -> None:
    await start(server)
    before = len(posts(server))
    await server.slack.event(dm_message("purple elephants", USER_ID))
    await server.api.wait_for("chat.postMessage", count=before + 1)
    clarification = posts(server)[-1]
    assert len(buttons(clarification)) == 4
    assert "couldn't match" in all_text(clarification)
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state["answers"] == {}


async def test_a_question_about_an_option_is_explained_not_recorded(server: RunningServer) -> None:
    await start(server)
    before = len(posts(server))
    await server.slack.event(dm_message("what does 'at scale' mean?", USER_ID))
    await server.api.wait_for("chat.postMessage", count=before + 2)
    explanation, question = posts(server)[before], posts(server)[before + 1]
    assert "Run AI reliably and securely at scale" in all_text(explanation)
    assert "platform that every team builds on" in all_text(explanation)
    assert explanation.params["text"]  # the plain-text fallback
    assert len(buttons(question)) == 4
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state["answers"] == {}


async def test_share_the_summary_to_a_channel(server: RunningServer) -> None:
    await start(server)
    while not is_summary(posts(server)[-1]):
        await press(server, last_question(server), index=1)
    summary = posts(server)[-1]
    share = buttons(summary, ids.SHARE_ACTION)[0]
    await server.slack.block_action(
        share["action_id"], share.get("value", ""), message_ts=message_ts(server, summary)
    )
    opened = await server.api.wait_for("views.open")
    assert opened[0].params["view"]["callback_id"] == ids.SHARE_VIEW
    before = len(posts(server))
    values = {
        ids.SHARE_CHANNEL_BLOCK: {
            ids.SHARE_CHANNEL_ACTION: {
                "type": "conversations_select",
                "selected_conversation": GENERAL_CHANNEL,
            }
        }
    }
    reply = await server.slack.view_submission(ids.SHARE_VIEW, values)
    assert reply.status == 200
    await server.api.wait_for("chat.postMessage", count=before + 2)
    shared = posts(server, GENERAL_CHANNEL)[-1]
    assert f"<@{USER_ID}>" in all_text(shared)
    assert all(block["type"] != "actions" for block in shared.params["blocks"])
    private = all_text(summary)
    # The shared copy carries no answers: none of the private card's answer labels appear.
    for label in ("A business leader who owns the process", "Fix concrete pain points"):
        if label in private:
            assert label not in all_text(shared)


async def test_ask_answers_ephemerally_with_sources(server: RunningServer) -> None:
    reply = await server.slack.slash_command("ask how should we measure AI success?")
    assert reply.status == 200
    answer = (await server.api.wait_for("response_url"))[0]
    assert answer.params["response_type"] == "ephemeral"
    text = all_text(answer)
    assert "Organizational Gap" in text or "AI vs IT" in text or "Why IT Must Lead" in text


async def test_help_and_unknown_subcommands(server: RunningServer) -> None:
    await server.slack.slash_command("help")
    await server.slack.slash_command("frobnicate <!channel>")
    replies = await server.api.wait_for("response_url", count=2)
    assert "/ai-owner" in all_text(replies[0])
    unknown = all_text(replies[1])
    assert "frobnicate" in unknown
    assert "<!channel>" not in unknown


async def test_forged_and_stale_signatures_are_refused(server: RunningServer) -> None:
    forged = await server.slack.slash_command("start", signature="v0=" + "0" * 64)
    stale = await server.slack.slash_command("start", timestamp=int(time.time()) - 600)
    assert forged.status == 401
    assert stale.status == 401
    assert server.api.calls("chat.postMessage") == []


async def test_event_retries_are_processed_once(server: RunningServer) -> None:
    await start(server)
    before = len(posts(server))
    event = dm_message("a", USER_ID)
    first = await server.slack.event(event, event_id="Ev0RETRY")
    again = await server.slack.event(event, event_id="Ev0RETRY", retry_num=1)
    assert (first.status, again.status) == (200, 200)
    await server.api.wait_for("chat.postMessage", count=before + 2)
    await server.slack.event(dm_message("help", USER_ID))  # a later, distinct event
    await server.api.wait_for("chat.postMessage", count=before + 3)
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert len(stored.state["answers"]) == 1


async def test_a_double_press_is_processed_once(server: RunningServer) -> None:
    await start(server)
    question = last_question(server)
    button = buttons(question)[0]
    for _ in range(2):
        await server.slack.block_action(
            button["action_id"],
            button["value"],
            message_ts=message_ts(server, question),
            message_blocks=question.params["blocks"],
        )
    await server.api.wait_for("chat.update")
    await server.slack.slash_command("help")
    await server.api.wait_for("response_url")
    assert len(server.api.calls("chat.update")) == 1
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert len(stored.state["answers"]) == 1


async def test_rate_limited_calls_are_retried(server: RunningServer) -> None:
    server.api.respond(
        "chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429,
        headers={"Retry-After": "1"},
    )  # fmt: skip
    await server.slack.slash_command("start")
    calls = await server.api.wait_for("chat.postMessage", count=3, timeout=10)
    assert calls[1].at - calls[0].at >= 0.9  # waited for Retry-After
    assert buttons(calls[-1])


async def test_hostile_text_is_escaped(server: RunningServer) -> None:
    hostile = "ask <!channel> @here <@U999> & <https://evil.example|click> <b>"
    await server.slack.slash_command(hostile)
    answer = all_text((await server.api.wait_for("response_url"))[0])
    for raw in ("<!channel>", "<@U999>", "<https://evil", "<b>"):
        assert raw not in answer
    await start(server)
    before = len(posts(server))
    await server.slack.event(dm_message("<!here> <@U999> &amp; &lt;script&gt;", USER_ID))
    await server.api.wait_for("chat.postMessage", count=before + 1)
    reply = all_text(posts(server)[-1])
    assert "<!here>" not in reply
    assert "<@U999>" not in reply
    assert "<script>" not in reply


async def test_app_home_shows_start_and_the_latest_result(server: RunningServer) -> None:
    await server.slack.event(app_home_opened(USER_ID))
    first = (await server.api.wait_for("views.publish"))[0]
    assert first.params["user_id"] == USER_ID
    assert first.params["view"]["type"] == "home"
    assert ids.command_action_id("start") in all_text(first)
    await start(server)
    while not is_summary(posts(server)[-1]):
        await press(server, last_question(server), index=2)
    await server.slack.event(app_home_opened(USER_ID))
    latest = (await server.api.wait_for("views.publish", count=2))[-1]
    assert "Dedicated AI leadership" in all_text(latest)


async def test_mention_answers_in_a_thread(server: RunningServer) -> None:
    event = app_mention("who should own the AI budget?", USER_ID, ts="1700000000.000999")
    await server.slack.event(event)
    post = (await server.api.wait_for("chat.postMessage"))[0]
    assert post.params["channel"] == GENERAL_CHANNEL
    assert post.params["thread_ts"] == "1700000000.000999"


async def test_bot_messages_are_ignored(server: RunningServer) -> None:
    await server.slack.event(bot_message("hello", channel=DM_CHANNEL))
    await server.slack.slash_command("help")
    await server.api.wait_for("response_url")
    assert server.api.calls("chat.postMessage") == []


async def test_uninstall_deletes_the_workspace_data(server: RunningServer) -> None:
    await start(server)
    assert await server.app.storage.conversations.load_conversation(KEY) is not None
    reply = await server.slack.event(app_uninstalled())
    assert reply.status == 200
    deadline = time.monotonic() + 5
    while await server.app.storage.conversations.load_conversation(KEY) is not None:
        assert time.monotonic() < deadline, "the workspace's data was not deleted"
        await asyncio.sleep(0.05)


async def test_buttons_ack_within_three_seconds(server: RunningServer) -> None:
    await start(server)
    question = last_question(server)
    button = buttons(question)[0]
    reply = await server.slack.block_action(
        button["action_id"],
        button["value"],
        message_ts=message_ts(server, question),
        message_blocks=question.params["blocks"],
    )
    assert reply.status == 200
    assert reply.elapsed < 3


async def test_command_buttons_skip_and_why(server: RunningServer) -> None:
    await start(server)
    question = last_question(server)
    skip = buttons(question, ids.command_action_id("skip"))[0]
    before = len(posts(server))
    await server.slack.block_action(
        skip["action_id"], skip["value"], message_ts=message_ts(server, question)
    )
    await server.api.wait_for("chat.postMessage", count=before + 2)
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert list(stored.state["answers"].values()) == [None]
    why = buttons(last_question(server), ids.command_action_id("why"))[0]
    before = len(posts(server))
    await server.slack.block_action(
        why["action_id"], why["value"], message_ts=message_ts(server, last_question(server))
    )
    await server.api.wait_for("chat.postMessage", count=before + 1)
    assert "Why we ask" in all_text(posts(server)[before])


async def test_typed_commands_in_the_dm(server: RunningServer) -> None:
    await start(server)
    # Each command answers, then shows the open question again (cancel closes it).
    for word, messages in (("skip", 2), ("back", 2), ("help", 2), ("why", 2), ("cancel", 1)):
        before = len(posts(server))
        await server.slack.event(dm_message(word, USER_ID))
        await server.api.wait_for("chat.postMessage", count=before + messages)
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state["phase"] == "idle"


async def test_app_home_start_button_runs_the_diagnostic_in_the_dm(
    server: RunningServer,
) -> None:
    start_id = ids.command_action_id("start")
    reply = await server.slack.home_action(start_id, "start")
    assert reply.status == 200
    await server.api.wait_for("chat.postMessage", count=2)
    assert last_question(server).params["channel"] == DM_CHANNEL


async def test_ask_button_opens_a_modal_and_answers_in_the_dm(server: RunningServer) -> None:
    await server.slack.home_action(ids.ASK_ACTION, "ask")
    opened = await server.api.wait_for("views.open")
    assert opened[0].params["view"]["callback_id"] == ids.ASK_VIEW
    values = {
        ids.ASK_INPUT_BLOCK: {
            ids.ASK_INPUT_ACTION: {"type": "plain_text_input", "value": "what is MLOps?"}
        }
    }
    await server.slack.view_submission(ids.ASK_VIEW, values)
    answer = (await server.api.wait_for("chat.postMessage"))[0]
    assert answer.params["channel"] == DM_CHANNEL
    assert "MLOps" in all_text(answer) or "drift" in all_text(answer)


async def test_sharing_to_a_channel_the_bot_cannot_post_in(server: RunningServer) -> None:
    await start(server)
    while not is_summary(posts(server)[-1]):
        await press(server, last_question(server), index=0)
    server.api.fail("chat.postMessage", "not_in_channel")
    before = len(posts(server))
    values = {
        ids.SHARE_CHANNEL_BLOCK: {
            ids.SHARE_CHANNEL_ACTION: {
                "type": "conversations_select",
                "selected_conversation": "C0PRIVATE",
            }
        }
    }
    await server.slack.view_submission(ids.SHARE_VIEW, values)
    await server.api.wait_for("chat.postMessage", count=before + 2)
    assert "invite me" in all_text(posts(server)[-1])


async def test_tokens_revoked_deletes_the_workspace_data(server: RunningServer) -> None:
    await start(server)
    await server.slack.event(tokens_revoked(["U0BOT"]))
    deadline = time.monotonic() + 5
    while await server.app.storage.conversations.load_conversation(KEY) is not None:
        assert time.monotonic() < deadline, "the workspace's data was not deleted"
        await asyncio.sleep(0.05)


async def test_forged_button_presses_and_events_are_refused(server: RunningServer) -> None:
    await start(server)
    question = last_question(server)
    button = buttons(question)[0]
    forged = await server.slack.block_action(
        button["action_id"],
        button["value"],
        message_ts=message_ts(server, question),
        signature="v0=" + "1" * 64,
    )
    stale_event = await server.slack.event(
        dm_message("b", USER_ID), timestamp=int(time.time()) - 600
    )
    assert forged.status == 401
    assert stale_event.status == 401
    await server.slack.slash_command("help")
    await server.api.wait_for("response_url")
    assert server.api.calls("chat.update") == []
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state["answers"] == {}
