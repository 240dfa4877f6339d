"""Signed Slack requests the fuzz test (tests/server/test_fuzz.py) found answered with a 500, or
stored under made-up keys, each shrunk to its smallest form. Each is signed with the real secret,
so it passes the signature check and reaches the parsing, bolt and the listeners."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.handlers.slack import ids
from storage.conversations import ConversationKey
from testing.fakes.slack_requests import (
    app_mention,
    block_actions_payload,
    dm_message,
    event_envelope,
    slash_command_payload,
    tokens_revoked,
)
from testing.fakes.workspace import DM_CHANNEL, TEAM_ID, USER_ID
from testing.flows.slack_pulse import launch, launch_values, open_launch_modal, survey_id
from tests.server.conftest import RunningServer
from tests.server.test_slack_malformed import post, signature

FORM = "application/x-www-form-urlencoded"
UNKNOWN = ConversationKey("slack", TEAM_ID, "unknown")


async def send(server: RunningServer, body: bytes, content_type: str) -> int:
    now = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": signature(body, now)}
    return await post(server, body, content_type, headers)


async def interaction(server: RunningServer, payload: Any) -> int:
    return await send(server, urlencode({"payload": json.dumps(payload)}).encode(), FORM)


async def event(server: RunningServer, envelope: dict[str, Any]) -> int:
    return await send(server, json.dumps(envelope).encode(), "application/json")


async def then_a_dm_is_answered(server: RunningServer) -> None:
    """A request sent after the odd one is answered: the odd one's listener has had its turn
    (they run in the background, after the acknowledgement)."""
    before = len(server.api.calls("chat.postMessage"))
    assert await event(server, event_envelope(dm_message("help"))) == 200
    await server.api.wait_for("chat.postMessage", count=before + 1)


SHAPES: dict[str, Any] = {
    "a team id that is not a string": block_actions_payload(f"{ids.COMMAND_PREFIX}start", "start")
    | {"team": {"id": True}},
    "a dialog whose callback_id is a number": {
        "type": "dialog_submission",
        "callback_id": 5,
        "user": {"id": USER_ID},
        "team": {"id": TEAM_ID},
    },
    "an attachment action whose callback_id is false": {
        "type": "interactive_message",
        "callback_id": False,
        "user": {"id": USER_ID},
        "team": {"id": TEAM_ID},
        "actions": [{"name": "x", "value": "y"}],
    },
    "a view that is null": {"view": None},
    "a workflow step edit without its step": {
        "type": "workflow_step_edit",
        "callback_id": "x",
        "user": {"id": USER_ID},
        "team": {"id": TEAM_ID},
    },
}


@pytest.mark.parametrize("name", sorted(SHAPES))
async def test_interactions_bolt_cannot_read_get_400(server: RunningServer, name: str) -> None:
    assert await interaction(server, SHAPES[name]) == 400


async def test_a_press_without_a_person_or_workspace_gets_400(server: RunningServer) -> None:
    press = block_actions_payload(f"{ids.COMMAND_PREFIX}start", "start")
    for field in ("user", "team"):
        payload = {key: value for key, value in press.items() if key not in (field, "message")}
        if field == "team":
            payload["user"] = {"id": USER_ID}  # nor does the person's team_id name one
        assert await interaction(server, payload) == 400, field
    assert await server.app.storage.conversations.load_conversation(UNKNOWN) is None


async def test_an_id_longer_than_the_database_keeps_gets_400(server: RunningServer) -> None:
    envelope = event_envelope(app_mention("start"))
    envelope["authorizations"][0]["team_id"] = "T" * 300
    assert await event(server, envelope) == 400


@pytest.mark.parametrize(
    "response_url",
    [None, "", "7", "not a url", "http://[::1", "ftp://127.0.0.1:9/x"],
)
async def test_a_command_without_a_usable_response_url_gets_400_at_once(
    server: RunningServer, response_url: str | None
) -> None:
    """Its listener failed right after acknowledging (respond() to that URL), and bolt then
    lost the acknowledgement: 404 after 3 s instead of an answer."""
    fields = slash_command_payload("help")
    if response_url is None:
        del fields["response_url"]
    else:
        fields["response_url"] = response_url
    started = time.monotonic()
    assert await send(server, urlencode(fields).encode(), FORM) == 400
    assert time.monotonic() - started < 1


async def test_a_mention_or_message_from_nobody_is_not_stored(server: RunningServer) -> None:
    for event_payload in (app_mention("start"), dm_message("start")):
        del event_payload["user"]
        assert await event(server, event_envelope(event_payload)) == 200
    await then_a_dm_is_answered(server)
    assert await server.app.storage.conversations.load_conversation(UNKNOWN) is None


async def test_an_event_id_the_database_refuses_is_still_answered(server: RunningServer) -> None:
    before = len(server.api.calls("chat.postMessage"))
    assert await event(server, event_envelope(dm_message("help"), event_id="Ev\x00x")) == 200
    await server.api.wait_for("chat.postMessage", count=before + 1)
    again = event_envelope(dm_message("help"), event_id="Ev\x00x")
    assert await event(server, again) == 200  # the redelivery is still recognised
    await then_a_dm_is_answered(server)
    assert len(server.api.calls("chat.postMessage")) == before + 2


async def test_tokens_that_are_not_an_object_are_ignored(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    revoked = tokens_revoked(["U0BOT"])
    revoked["tokens"] = "bot"
    assert await event(server, event_envelope(revoked, team_id="T0OTHER")) == 200
    await then_a_dm_is_answered(server)
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


# --- survey answers and launch forms ------------------------------------------------------------


def answer_view(survey: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "user": {"id": USER_ID, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "view": {
            "type": "modal",
            "callback_id": ids.PULSE_ANSWER_VIEW,
            "private_metadata": survey,
            "state": {"values": values},
        },
    }


@pytest.mark.parametrize(
    "field",
    ["x", 5, ["x"], {"value": {"x": 1}}, {"value": None}],
    ids=["string", "number", "list", "value-object", "value-null"],
)
async def test_a_survey_answer_of_odd_values_is_refused_not_500(
    server: RunningServer, field: Any
) -> None:
    card = await launch(server)
    survey = survey_id(card)
    question = ids.pulse_question_block("ai_maturity")
    for values in (
        {question: {ids.PULSE_CHOICE_ACTION: {"type": "radio_buttons", "selected_option": field}}},
        {question: {ids.PULSE_CHOICE_ACTION: field}},
        {question: field},
    ):
        assert await interaction(server, answer_view(survey, values)) == 200
    assert await server.app.storage.pulse.count_responses(survey) == 0


@pytest.mark.parametrize(
    ("block", "value"),
    [
        (ids.PULSE_DEADLINE_BLOCK, "x"),
        (ids.PULSE_DEADLINE_BLOCK, {ids.PULSE_DEADLINE_ACTION: "x"}),
        (ids.PULSE_DEADLINE_BLOCK, {ids.PULSE_DEADLINE_ACTION: {"selected_date_time": "9" * 40}}),
        (ids.PULSE_DEADLINE_BLOCK, {ids.PULSE_DEADLINE_ACTION: {"selected_date_time": "²"}}),
        (ids.PULSE_THRESHOLD_BLOCK, [5]),
        (ids.PULSE_REMIND_BLOCK, {ids.PULSE_REMIND_ACTION: {"selected_options": 5}}),
        (ids.PULSE_REMIND_BLOCK, {ids.PULSE_REMIND_ACTION: {"selected_options": ["x"]}}),
    ],
)
async def test_a_launch_form_of_odd_values_is_not_a_500(
    server: RunningServer, block: str, value: Any
) -> None:
    view = await open_launch_modal(server)
    values: dict[str, Any] = launch_values()
    values[block] = value
    reply = await server.slack.view_submission(
        ids.PULSE_LAUNCH_VIEW, values, private_metadata=view["private_metadata"]
    )
    assert reply.status < 500, reply


async def test_a_press_on_an_app_home_pulse_button_without_response_url_is_no_error(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    card = await launch(server)
    payload = block_actions_payload(ids.PULSE_CLOSE_ACTION, survey_id(card), channel_id=DM_CHANNEL)
    del payload["response_url"]
    assert await interaction(server, payload) == 200
    await then_a_dm_is_answered(server)
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
