"""`forget-me` and the app's removal on Teams, end to end: activities POSTed to the real
server, the bot's cards and card updates recorded by the fake connector."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.handlers.teams.forget import CANCEL_KIND, CONFIRM_KIND
from bot.pulse.service import LaunchOptions
from bot.views.catalogue import FORGET_CANCELLED, FORGET_CONFIRM_TITLE
from bot.views.catalogue import FORGET_IN_PRIVATE as IN_PRIVATE
from storage.conversations import AssessmentRecord, ConversationKey
from storage.pulse import SurveyRecord
from testing.fakes.teams_activities import (
    PEOPLE,
    PERSONAL_CONVERSATION_ID,
    TEAM_ID,
    TENANT_ID,
)
from testing.fakes.teams_connector import REPLY, UPDATE
from testing.flows.teams import submits, text_of
from tests.server.test_teams import KEY, TeamsServer, say, serve

COLLEAGUE = PEOPLE[1]
COLLEAGUE_KEY = ConversationKey("teams", TENANT_ID, COLLEAGUE.aad_object_id)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TeamsServer]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'advisor.db'}", retention_days=90)
    async for running in serve(settings, dev=True):
        yield running


async def a_result(server: TeamsServer, key: ConversationKey) -> None:
    stored = await server.app.storage.conversations.load_conversation(key)
    record = AssessmentRecord(key, NOW, "v1", "it_led", "clear", {"q": "a"}, {"it_led": 1.0})
    await server.app.storage.conversations.save_turn(
        key,
        {} if stored is None else stored.state,
        None if stored is None else stored.version,
        NOW,
        record,
    )


async def answered_survey(server: TeamsServer, *people: ConversationKey) -> SurveyRecord:
    pulse = server.app.pulse
    survey = await pulse.launch("teams", TENANT_ID, TEAM_ID, KEY.user, LaunchOptions())
    answers = {question.id: question.options[0].id for question in pulse.questions(survey)}
    for person in people:
        result = await pulse.answer(survey.id, TENANT_ID, person.user, answers)
        assert result.survey is not None, result.message
    return survey


async def ask_to_forget(server: TeamsServer) -> tuple[str, dict[str, Any]]:
    """Type forget-me; the confirmation card's message id and the card as sent."""
    await say(server, "forget-me", 1)
    reply = server.connector.last(REPLY)
    assert reply.body is not None
    assert FORGET_CONFIRM_TITLE in text_of(reply.body)
    return str(reply.answer["id"]), reply.body


async def press(server: TeamsServer, card_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Press a button of the card `card_id`; the card as the bot redrew it."""
    before = len(server.connector.calls(UPDATE))
    delivery = await server.teams.personal_message(None, value=data, reply_to_id=card_id)
    assert delivery.status in (200, 201)
    update = (await server.connector.wait_for(UPDATE, count=before + 1))[-1]
    assert update.activity_id == card_id
    assert update.body is not None
    return update.body


async def test_forget_me_confirms_then_deletes_everything_about_the_person(
    server: TeamsServer,
) -> None:
    await say(server, "hi", 2)  # a diagnostic in progress, and the reference to reach them
    await a_result(server, KEY)
    await a_result(server, COLLEAGUE_KEY)
    survey = await answered_survey(server, KEY, COLLEAGUE_KEY)
    hi_activity = server.teams.sent[0]["id"]
    repository = server.app.storage

    card_id, card = await ask_to_forget(server)

    buttons = submits(card, CONFIRM_KIND) + submits(card, CANCEL_KIND)
    assert len(buttons) == 2
    assert await repository.conversations.load_reference(KEY) is not None  # nothing deleted yet
    redrawn = await press(server, card_id, {"advisor": CONFIRM_KIND})

    said = text_of(redrawn)
    for deleted in (
        "your diagnostic in progress",
        "1 completed result",
        "the reference I used to message you",
        "your answers to 1 pulse survey",
        "the link between you and 1 pulse survey you launched",
        "of your recent messages",
    ):
        assert deleted in said, deleted
    assert "Teams" in said
    assert not submits(redrawn, CONFIRM_KIND)  # the buttons are gone with the redraw
    assert await repository.conversations.load_conversation(KEY) is None
    assert await repository.conversations.list_assessments(KEY) == []
    assert await repository.conversations.load_reference(KEY) is None
    assert await repository.pulse.count_responses(survey.id) == 1
    launched = await repository.pulse.load_survey(survey.id)
    assert launched is not None
    assert not server.app.pulse.may_manage(launched, KEY.user, admin=False)
    # The delivery key of their "hi" went with their private chat's other keys.
    key = f"teams:{PERSONAL_CONVERSATION_ID}:{hi_activity}"
    assert await repository.conversations.record_delivery(key, NOW) is True
    assert len(await repository.conversations.list_assessments(COLLEAGUE_KEY)) == 1


async def test_the_reference_is_saved_again_after_forgetting(server: TeamsServer) -> None:
    await say(server, "hi", 2)
    card_id, _card = await ask_to_forget(server)
    await press(server, card_id, {"advisor": CONFIRM_KIND})
    assert await server.app.storage.conversations.load_reference(KEY) is None

    await say(server, "help", 1)  # no diagnostic in progress any more: just the help

    assert await server.app.storage.conversations.load_reference(KEY) is not None


async def test_cancel_deletes_nothing(server: TeamsServer) -> None:
    await say(server, "hi", 2)
    card_id, _card = await ask_to_forget(server)

    redrawn = await press(server, card_id, {"advisor": CANCEL_KIND})

    assert FORGET_CANCELLED in text_of(redrawn)
    assert await server.app.storage.conversations.load_conversation(KEY) is not None


async def test_a_second_press_finds_nothing_left_and_keeps_the_report(
    server: TeamsServer,
) -> None:
    await a_result(server, KEY)
    card_id, _card = await ask_to_forget(server)
    report = await press(server, card_id, {"advisor": CONFIRM_KIND})
    sent = len(server.connector.sent())

    await server.teams.personal_message(None, value={"advisor": CONFIRM_KIND}, reply_to_id=card_id)

    [again] = (await server.connector.wait_for_sent(sent + 1))[sent:]
    assert "nothing to delete" in text_of(again)
    assert len(server.connector.calls(UPDATE)) == 1  # the report was not drawn over
    assert "1 completed result" in text_of(report)


async def test_in_a_channel_it_only_says_where_to_ask(server: TeamsServer) -> None:
    await a_result(server, KEY)

    delivery = await server.teams.channel_mention("forget-me")
    assert delivery.status in (200, 201)
    [reply] = await server.connector.wait_for_sent(1)

    assert "personal chat" in text_of(reply)
    assert IN_PRIVATE.split(",")[0] in text_of(reply)
    assert len(await server.app.storage.conversations.list_assessments(KEY)) == 1


async def test_a_forged_press_in_a_channel_deletes_nothing(server: TeamsServer) -> None:
    await a_result(server, KEY)

    delivery = await server.teams.channel_submit(
        {"advisor": CONFIRM_KIND}, thread_id=f"{TEAM_ID};messageid=1700000000001"
    )

    assert delivery.status in (200, 201)
    assert len(await server.app.storage.conversations.list_assessments(KEY)) == 1


# Removing the app.


async def test_removing_the_app_from_the_personal_scope_forgets_the_person(
    server: TeamsServer,
) -> None:
    await say(server, "hi", 2)
    await a_result(server, KEY)
    await a_result(server, COLLEAGUE_KEY)
    sent = len(server.connector.calls())

    delivery = await server.teams.install_update("remove")

    assert delivery.status in (200, 201)
    assert await server.app.storage.conversations.load_conversation(KEY) is None
    assert await server.app.storage.conversations.list_assessments(KEY) == []
    assert await server.app.storage.conversations.load_reference(KEY) is None
    assert len(await server.app.storage.conversations.list_assessments(COLLEAGUE_KEY)) == 1
    assert len(server.connector.calls()) == sent  # nobody left to tell


@pytest.mark.parametrize(
    ("action", "scope"),
    [("remove", "channel"), ("remove-upgrade", "personal"), ("add", "personal")],
)
async def test_other_installation_updates_delete_nothing(
    server: TeamsServer, action: str, scope: str
) -> None:
    await say(server, "hi", 2)
    await a_result(server, KEY)

    delivery = await server.teams.install_update(action, conversation_type=scope)  # type: ignore[arg-type]

    assert delivery.status in (200, 201)
    assert await server.app.storage.conversations.load_conversation(KEY) is not None
    assert len(await server.app.storage.conversations.list_assessments(KEY)) == 1


async def test_the_report_names_the_admin_records_it_keeps(server: TeamsServer) -> None:
    from storage.admin import AuditRecord

    await server.app.storage.admin.record_audit(
        AuditRecord(NOW, "teams", KEY.user, "knowledge.reload", "refused", TENANT_ID)
    )
    await a_result(server, KEY)
    card_id, _card = await ask_to_forget(server)

    redrawn = await press(server, card_id, {"advisor": CONFIRM_KIND})

    assert "1 admin record naming you" in text_of(redrawn)
    assert "90 days" in text_of(redrawn)
    assert json.dumps(redrawn).count("Action.Submit") == 0
