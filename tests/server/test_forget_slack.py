"""`/ai-owner forget-me` end to end: signed requests into the real server, the fake Web API
records the ephemeral answers (through the response_url) and the App Home redraw."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

from bot.handlers.slack.forget import CANCEL_ACTION, CONFIRM_ACTION
from bot.pulse.service import LaunchOptions
from bot.views.catalogue import FORGET_CANCELLED, FORGET_CONFIRM_TITLE
from storage.conversations import AssessmentRecord, ConversationKey
from storage.pulse import SurveyRecord
from testing.fakes.slack_api import ApiCall
from testing.fakes.workspace import GENERAL_CHANNEL, TEAM_ID, USER_ID
from tests.server.conftest import RunningServer
from tests.server.test_slack import start

KEY = ConversationKey("slack", TEAM_ID, USER_ID)
COLLEAGUE = ConversationKey("slack", TEAM_ID, "U0COLLEAGUE")


async def two_results(server: RunningServer, key: ConversationKey) -> None:
    """Two completed assessments saved with the conversation, as the service saves them."""
    stored = await server.app.storage.conversations.load_conversation(key)
    version = None if stored is None else stored.version
    state = {} if stored is None else stored.state
    now = server.app.pulse.now()
    record = AssessmentRecord(key, now, "v1", "it_led", "clear", {"q": "a"}, {"it_led": 1.0})
    for recommendation in ("it_led", "business_led"):
        version = await server.app.storage.conversations.save_turn(
            key, state, version, now, replace(record, recommendation=recommendation)
        )


async def answered_survey(server: RunningServer, *people: ConversationKey) -> SurveyRecord:
    pulse = server.app.pulse
    survey = await pulse.launch("slack", TEAM_ID, GENERAL_CHANNEL, COLLEAGUE.user, LaunchOptions())
    answers = {question.id: question.options[0].id for question in pulse.questions(survey)}
    for person in people:
        result = await pulse.answer(survey.id, TEAM_ID, person.user, answers)
        assert result.survey is not None, result.message
    return survey


def ephemeral_buttons(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in payload.get("blocks", [])
        for element in block.get("elements", [])
        if element.get("type") == "button"
    }


async def ask_to_forget(server: RunningServer) -> dict[str, dict[str, Any]]:
    reply = await server.slack.slash_command("forget-me", channel_id=GENERAL_CHANNEL)
    assert reply.status == 200
    payload = json.loads(reply.body)
    assert payload["response_type"] == "ephemeral"
    assert FORGET_CONFIRM_TITLE in payload["text"]
    return ephemeral_buttons(payload)


async def press(server: RunningServer, button: dict[str, Any], message_ts: str) -> ApiCall:
    before = len(server.api.calls("response_url"))
    reply = await server.slack.block_action(
        button["action_id"],
        button["value"],
        channel_id=GENERAL_CHANNEL,
        container_type="ephemeral",
        message_ts=message_ts,
    )
    assert reply.status == 200
    return (await server.api.wait_for("response_url", count=before + 1))[-1]


async def test_forget_me_asks_first_then_deletes_and_says_what(server: RunningServer) -> None:
    await start(server)  # a diagnostic in progress
    await two_results(server, KEY)
    await two_results(server, COLLEAGUE)
    survey = await answered_survey(server, KEY, COLLEAGUE)

    buttons = await ask_to_forget(server)

    assert set(buttons) == {CONFIRM_ACTION, CANCEL_ACTION}
    assert buttons[CONFIRM_ACTION]["style"] == "danger"
    assert await server.app.storage.conversations.load_conversation(KEY) is not None  # nothing yet

    answer = await press(server, buttons[CONFIRM_ACTION], "1700000000.000100")

    assert answer.params["replace_original"] is True
    assert answer.params["response_type"] == "ephemeral"
    said = json.dumps(answer.params["blocks"])
    for deleted in ("your diagnostic in progress", "2 completed results", "1 pulse survey"):
        assert deleted in said
    assert "team totals" in said
    repository = server.app.storage
    assert await repository.conversations.load_conversation(KEY) is None
    assert await repository.conversations.list_assessments(KEY) == []
    assert await repository.pulse.count_responses(survey.id) == 1  # the colleague's answer
    assert len(await repository.conversations.list_assessments(COLLEAGUE)) == 2
    # The App Home tab no longer shows the deleted result.
    [home] = await server.api.wait_for("views.publish")
    assert home.params["user_id"] == USER_ID
    assert "Your latest result" not in json.dumps(home.params["view"])


async def test_a_double_click_deletes_once_and_keeps_the_report(server: RunningServer) -> None:
    await two_results(server, KEY)
    buttons = await ask_to_forget(server)

    await press(server, buttons[CONFIRM_ACTION], "1700000000.000200")
    again = await server.slack.block_action(
        CONFIRM_ACTION,
        buttons[CONFIRM_ACTION]["value"],
        channel_id=GENERAL_CHANNEL,
        container_type="ephemeral",
        message_ts="1700000000.000200",
    )
    assert again.status == 200
    # A later, different request is answered, and the double click still was not.
    buttons = await ask_to_forget(server)
    cancelled = await press(server, buttons[CANCEL_ACTION], "1700000000.000300")
    await asyncio.sleep(0.2)
    assert cancelled.params["text"] == FORGET_CANCELLED
    answers = [call.params.get("text", "") for call in server.api.calls("response_url")]
    assert len(answers) == 2
    assert "2 completed results" in answers[0]


async def test_cancel_deletes_nothing(server: RunningServer) -> None:
    await two_results(server, KEY)
    buttons = await ask_to_forget(server)

    answer = await press(server, buttons[CANCEL_ACTION], "1700000000.000400")

    assert (answer.params["text"], answer.params["replace_original"]) == (FORGET_CANCELLED, True)
    assert len(await server.app.storage.conversations.list_assessments(KEY)) == 2


async def test_forgetting_someone_with_nothing_stored_says_so(server: RunningServer) -> None:
    buttons = await ask_to_forget(server)

    answer = await press(server, buttons[CONFIRM_ACTION], "1700000000.000500")

    assert "nothing to delete" in answer.params["text"]


async def test_forget_me_with_a_space_is_understood_and_forget_alone_is_not(
    server: RunningServer,
) -> None:
    reply = await server.slack.slash_command("Forget me")
    assert FORGET_CONFIRM_TITLE in reply.body
    other = await server.slack.slash_command("forget")
    assert FORGET_CONFIRM_TITLE not in other.body


def test_the_manifests_offer_forget_me() -> None:
    from tests.server.test_manifest import MANIFESTS, load

    for name in ("slack.yml", "slack-socket-mode.yml"):
        assert "forget-me" in load(name)["features"]["slash_commands"][0]["usage_hint"]
    teams = json.loads((MANIFESTS / "teams" / "manifest.json").read_text(encoding="utf-8"))
    personal = teams["bots"][0]["commandLists"][0]
    assert personal["scopes"] == ["personal"]
    assert "forget-me" in {command["title"] for command in personal["commands"]}
