"""Knowledge administration in Teams, end to end: `reload` and `knowledge` typed in a personal
chat, activities POSTed to the real server, answers recorded by the fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import load_knowledge
from bot.views.catalogue import ADMINS_ONLY
from testing.fakes.knowledge_folder import (
    BROKEN_ERRORS,
    break_it,
    copy_knowledge,
    reword_question,
)
from testing.fakes.teams_activities import TENANT_ID, Person
from testing.flows.teams import submits, text_of
from testing.flows.teams_pulse import ADA, ALAN, GRACE, KATHERINE, PulseServer, pulse_server

REWORDED = "Since the reload: how would you judge whether AI is working?"
ORIGINAL_THIRD = "How would you judge whether AI is working?"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path / "knowledge")


@pytest.fixture
async def server(tmp_path: Path, folder: Path) -> AsyncIterator[PulseServer]:
    # Katherine is listed by her AAD object id, Grace by her Teams user id.
    admins = f"{KATHERINE.aad_object_id},{GRACE.id}"
    async with pulse_server(tmp_path, knowledge_dir=folder, admin_users=admins) as running:
        yield running


def chat_of(person: Person) -> str:
    return f"a:personal-{person.id}"


async def say(
    server: PulseServer, person: Person, text: str | None, count: int = 1, **options: Any
) -> list[dict[str, Any]]:
    """`person` writes in their personal chat; what the bot sent back there."""
    before = len(server.connector.sent())
    delivery = await server.teams.personal_message(
        text,
        user_id=person.id,
        user_name=person.name,
        conversation_id=chat_of(person),
        **options,
    )
    assert delivery.status in (200, 201)
    await server.connector.wait_for_sent(before + count, timeout=10)
    return server.connector.sent()[before:]


async def answer_first(server: PulseServer, person: Person) -> None:
    """Press the first option of the latest question card in the person's chat."""
    asking = [a for a in server.connector.sent(chat_of(person)) if submits(a, "answer")]
    await say(server, person, None, value=submits(asking[-1], "answer")[0])


async def test_a_reload_mid_diagnostic_reaches_the_conversation_in_progress(
    server: PulseServer, folder: Path
) -> None:
    before = server.app.knowledge.version
    await say(server, ADA, "hi", 2)
    await answer_first(server, ADA)
    reword_question(folder, 2, REWORDED)
    new_version = load_knowledge(folder).version

    [reloaded] = await say(server, KATHERINE, "reload")

    assert f"version {new_version} is now in use (was {before})" in reloaded["text"]
    assert reloaded.get("textFormat") == "markdown"
    await answer_first(server, ADA)
    third = server.connector.sent(chat_of(ADA))[-1]
    assert REWORDED in text_of(third)


async def test_a_broken_edit_reports_every_error_and_the_old_version_keeps_serving(
    server: PulseServer, folder: Path
) -> None:
    before = server.app.knowledge.version
    await say(server, ADA, "hi", 2)
    await answer_first(server, ADA)
    reword_question(folder, 2, REWORDED)
    break_it(folder)

    [answer] = await say(server, GRACE, "Reload")

    assert "not reloaded: 2 problems" in answer["text"]
    for error in BROKEN_ERRORS:
        assert error in answer["text"]
    await answer_first(server, ADA)
    third = text_of(server.connector.sent(chat_of(ADA))[-1])
    assert ORIGINAL_THIRD in third
    assert REWORDED not in third
    [view] = await say(server, KATHERINE, "knowledge")
    assert f"Knowledge version {before} is in use" in view["text"]
    assert f"by {GRACE.aad_object_id} (Teams), failed with 2 problems" in view["text"]
    for error in BROKEN_ERRORS:
        assert error in view["text"]


async def test_admins_by_either_id_are_allowed_others_refused_and_all_audited(
    server: PulseServer, folder: Path
) -> None:
    before = server.app.knowledge.version
    reword_question(folder, 0, "Only an admin can make this the question?")

    [refused] = await say(server, ALAN, "reload")
    assert refused["text"] == ADMINS_ONLY
    assert server.app.knowledge.version == before
    [refused_view] = await say(server, ALAN, "knowledge")
    assert refused_view["text"] == ADMINS_ONLY

    [by_aad] = await say(server, KATHERINE, "knowledge")
    assert f"Knowledge version {before} is in use" in by_aad["text"]
    [by_teams_id] = await say(server, GRACE, "reload")
    assert "is now in use" in by_teams_id["text"]
    assert server.app.knowledge.version != before

    entries = await server.app.storage.admin.audit_entries()
    assert [(e.platform, e.workspace, e.actor, e.action, e.outcome) for e in entries] == [
        ("teams", TENANT_ID, GRACE.aad_object_id, "knowledge.reload", "ok"),
        ("teams", TENANT_ID, KATHERINE.aad_object_id, "knowledge.view", "ok"),
        ("teams", TENANT_ID, ALAN.aad_object_id, "knowledge.view", "refused"),
        ("teams", TENANT_ID, ALAN.aad_object_id, "knowledge.reload", "refused"),
    ]


async def test_a_redelivered_reload_is_done_once(server: PulseServer) -> None:
    await say(server, KATHERINE, "reload", activity_id="reload-1")
    delivery = await server.teams.personal_message(
        "reload",
        user_id=KATHERINE.id,
        user_name=KATHERINE.name,
        conversation_id=chat_of(KATHERINE),
        activity_id="reload-1",
    )
    assert delivery.status in (200, 201)
    await say(server, KATHERINE, "knowledge")

    actions = [e.action for e in await server.app.storage.admin.audit_entries()]
    assert actions == ["knowledge.view", "knowledge.reload"]


async def test_admin_words_in_a_diagnostic_are_not_taken_as_answers(server: PulseServer) -> None:
    # "reload" typed by someone mid-diagnostic gets the refusal, and their answers are intact.
    await say(server, ADA, "hi", 2)
    [refused] = await say(server, ADA, "reload")
    assert refused["text"] == ADMINS_ONLY
    await answer_first(server, ADA)
    assert "Question 2 of" in text_of(server.connector.sent(chat_of(ADA))[-1])
