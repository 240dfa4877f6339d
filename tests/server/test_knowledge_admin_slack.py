"""Knowledge administration in Slack, end to end: `/ai-owner reload` and `/ai-owner knowledge`
through the real server, with a copy of the knowledge as KNOWLEDGE_DIR that the test edits as
an admin would, while someone is in the middle of the diagnostic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.views.catalogue import ADMINS_ONLY
from bot.views.catalogue import DIAGNOSTIC_STARTED as STARTED
from storage.conversations import ConversationKey
from testing.fakes.knowledge_folder import (
    ADDED_SNIPPET,
    BROKEN_ERRORS,
    add_snippet,
    break_it,
    copy_knowledge,
    reword_question,
)
from testing.fakes.slack_api import ApiCall, FakeSlackApi
from testing.fakes.workspace import TEAM_ID, USER_ID
from testing.flows.slack import all_text, is_summary, last_question, posts, press
from tests.server.conftest import RunningServer, running, token_settings

ADMIN_USER = "U0BOSS"  # in ADMIN_USERS
WORKSPACE_ADMIN = "U0WSADMIN"  # an admin according to users.info
OTHER = "U0OTHER"
REWORDED = "Since the reload: how would you judge whether AI is working?"
ORIGINAL_THIRD = "How would you judge whether AI is working?"
KEY = ConversationKey("slack", TEAM_ID, USER_ID)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path / "knowledge")


@pytest.fixture
async def server(
    tmp_path: Path, folder: Path, slack_api: FakeSlackApi
) -> AsyncIterator[RunningServer]:
    settings = token_settings(tmp_path, slack_api, knowledge_dir=folder, admin_users=ADMIN_USER)
    async for running_server in running(settings, slack_api):
        yield running_server


async def command(server: RunningServer, text: str, user: str) -> ApiCall:
    """`/ai-owner <text>` by `user`; the ephemeral answer it got through the response_url."""
    before = len(server.api.calls("response_url"))
    reply = await server.slack.slash_command(text, user_id=user)
    assert reply.status == 200
    assert reply.elapsed < 3
    answers = await server.api.wait_for("response_url", count=before + 1, timeout=10)
    answer = answers[-1]
    assert answer.params["response_type"] == "ephemeral"
    return answer


async def two_questions_in(server: RunningServer) -> None:
    """The user starts the diagnostic and answers the first question: the second is on screen."""
    reply = await server.slack.slash_command("start")
    assert STARTED in reply.body
    await server.api.wait_for("chat.postMessage", count=2)
    await press(server, last_question(server), index=0)


def prompt_of(question: ApiCall) -> str:
    return all_text(question)


async def test_a_reload_mid_diagnostic_serves_the_new_version_and_the_conversation_goes_on(
    server: RunningServer, folder: Path
) -> None:
    before = server.app.knowledge.version
    await two_questions_in(server)
    reword_question(folder, 2, REWORDED)
    add_snippet(folder)
    new_version = load_knowledge(folder).version

    answer = await command(server, "reload", ADMIN_USER)

    shown = all_text(answer)
    assert f"version {new_version} is now in use (was {before})" in shown
    assert "57 snippets" in shown
    assert server.app.knowledge.version == new_version
    # The answer to the first question survived; the third question has its new words.
    await press(server, last_question(server), index=0)
    third = last_question(server)
    assert REWORDED in prompt_of(third)
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert len(stored.state["answers"]) == 2
    # The added snippet is found by `ask`.
    await server.slack.slash_command("ask reload point added while people were answering")
    await server.api.wait_for(
        "response_url",
        where=lambda call: "A point added while people were answering" in all_text(call),
    )
    assert server.app.knowledge.snippet(ADDED_SNIPPET) is not None
    # The diagnostic finishes on the new version, and its result says so.
    for _ in range(20):
        if is_summary(posts(server)[-1]):
            break
        await press(server, last_question(server), index=0)
    assert is_summary(posts(server)[-1])
    record = await server.app.storage.conversations.latest_assessment(KEY)
    assert record is not None
    assert record.knowledge_version == new_version


async def test_a_broken_edit_reports_every_error_and_the_old_version_keeps_serving(
    server: RunningServer, folder: Path
) -> None:
    before = server.app.knowledge.version
    await two_questions_in(server)
    reword_question(folder, 2, REWORDED)
    break_it(folder)

    answer = await command(server, "reload", ADMIN_USER)

    shown = all_text(answer)
    assert "not reloaded: 2 problems" in shown
    assert f"Version {before} is still in use" in shown
    for error in BROKEN_ERRORS:
        assert error in shown
    assert server.app.knowledge.version == before
    await press(server, last_question(server), index=0)
    assert ORIGINAL_THIRD in prompt_of(last_question(server))
    assert REWORDED not in prompt_of(last_question(server))
    # The admin's view shows the version in use and the failed attempt after it.
    view = all_text(await command(server, "knowledge", ADMIN_USER))
    assert f"Knowledge version {before} is in use" in view
    assert "by a server starting with new files" in view
    assert f"by <@{ADMIN_USER}>, failed with 2 problems" in view
    for error in BROKEN_ERRORS:
        assert error in view


async def test_the_knowledge_view_shows_version_time_author_and_counts(
    server: RunningServer, folder: Path
) -> None:
    reword_question(folder, 0, "Reworded by an admin?")
    await command(server, "reload", ADMIN_USER)

    view = all_text(await command(server, "knowledge", ADMIN_USER))

    knowledge = server.app.knowledge
    assert f"Knowledge version {knowledge.version} is in use" in view
    assert f"by <@{ADMIN_USER}>" in view
    assert " UTC by " in view
    assert (
        f"{len(knowledge.sources)} sources, {len(knowledge.models)} models, "
        f"{len(knowledge.dimensions)} dimensions, {len(knowledge.questions)} questions "
        f"({len(knowledge.pulse_questions)} in the pulse), {len(knowledge.snippets)} snippets"
    ) in view
    assert "failed" not in view


async def test_admins_are_allowed_others_refused_politely_and_all_of_it_audited(
    server: RunningServer, folder: Path
) -> None:
    server.api.workspace_admins.add(WORKSPACE_ADMIN)
    before = server.app.knowledge.version
    reword_question(folder, 0, "Only an admin can make this the question?")

    refused = await command(server, "reload", OTHER)
    assert refused.params["text"] == ADMINS_ONLY
    assert server.app.knowledge.version == before
    refused_view = await command(server, "knowledge", OTHER)
    assert refused_view.params["text"] == ADMINS_ONLY

    by_workspace_admin = all_text(await command(server, "reload", WORKSPACE_ADMIN))
    assert "is now in use" in by_workspace_admin
    assert server.app.knowledge.version != before
    listed = all_text(await command(server, "knowledge", ADMIN_USER))
    assert f"by <@{WORKSPACE_ADMIN}>" in listed

    asked = [call.params["user"] for call in server.api.calls("users.info")]
    assert WORKSPACE_ADMIN in asked
    assert OTHER in asked
    assert ADMIN_USER not in asked  # ADMIN_USERS is enough: Slack is not asked
    entries = await server.app.storage.admin.audit_entries()
    assert [(e.platform, e.workspace, e.actor, e.action, e.outcome) for e in entries] == [
        ("slack", TEAM_ID, ADMIN_USER, "knowledge.view", "ok"),
        ("slack", TEAM_ID, WORKSPACE_ADMIN, "knowledge.reload", "ok"),
        ("slack", TEAM_ID, OTHER, "knowledge.view", "refused"),
        ("slack", TEAM_ID, OTHER, "knowledge.reload", "refused"),
    ]
    assert entries[1].detail == {"version": server.app.knowledge.version, "previous": before}


async def test_a_failed_reload_is_audited_as_failed(server: RunningServer, folder: Path) -> None:
    break_it(folder)

    await command(server, "reload", ADMIN_USER)

    [entry] = await server.app.storage.admin.audit_entries()
    assert (entry.actor, entry.action, entry.outcome) == (ADMIN_USER, "knowledge.reload", "failed")
    assert entry.detail["problems"] == 2


async def test_with_the_file_watch_a_save_reaches_the_conversation(
    tmp_path: Path, folder: Path, slack_api: FakeSlackApi
) -> None:
    settings = token_settings(tmp_path, slack_api, knowledge_dir=folder, knowledge_watch=True)
    async for server in running(settings, slack_api):
        before = server.app.knowledge.version
        await two_questions_in(server)
        await asyncio.sleep(0.5)  # the watch starts in a thread of its own
        reword_question(folder, 2, REWORDED)
        for _ in range(200):
            if server.app.knowledge.version != before:
                break
            await asyncio.sleep(0.05)
        assert server.app.knowledge.version == load_knowledge(folder).version
        await press(server, last_question(server), index=0)
        assert REWORDED in prompt_of(last_question(server))
        [entry] = await server.app.storage.admin.audit_entries()
        assert (entry.platform, entry.actor, entry.outcome) == ("server", "file-watch", "ok")
