"""Knowledge reloads across real `advisor serve` processes on one PostgreSQL database: each has
its own knowledge folder (as on separate machines); a reload through one reaches the others
within a few seconds, and the start-up rule holds (a stale replica adopts the active version,
a new deployment's files become it).

The versions are read back through each process's admin endpoint and seen in a conversation
(the first question of a diagnostic started on the other process)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.admin.http import RELOAD_PATH, STATUS_PATH
from bot.knowledge import load_knowledge
from storage.sql import SqlStorage
from testing.fakes.fixtures import fake_slack_api
from testing.fakes.knowledge_folder import BROKEN_ERRORS, break_it, copy_knowledge, reword_question
from testing.fakes.slack_api import FakeSlackApi
from testing.flows.slack import all_text
from tests.server.processes import Served, SlackClient, serving, terminate

TOKEN = "process-admin-token-0123456789"
POLL = "0.2"
# "A few seconds": each process polls every 0.2 s; the rest is a loaded machine's slack.
CONVERGE_SECONDS = 5.0
FIRST_PROMPT = "Reloaded on process A: what is AI mainly expected to do for you?"
DEPLOYED_PROMPT = "Deployed with new files: what is AI mainly expected to do for you?"


def settings_for(folder: Path) -> dict[str, str]:
    return {"KNOWLEDGE_DIR": str(folder), "ADMIN_TOKEN": TOKEN, "KNOWLEDGE_POLL_SECONDS": POLL}


async def admin(served: Served, method: str, path: str) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.request(method, served.base + path, headers=headers) as reply,
    ):
        return reply.status, await reply.json()


async def version_of(served: Served) -> str:
    status, body = await admin(served, "GET", STATUS_PATH)
    assert status == 200, body
    return str(body["version"])


async def converges(served: Served, version: str) -> float:
    """Seconds until `served` serves `version`; fails after CONVERGE_SECONDS."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while (seen := await version_of(served)) != version:
        waited = loop.time() - started
        assert waited < CONVERGE_SECONDS, f"{served.name} still serves {seen}:\n{served.log()}"
        await asyncio.sleep(0.05)
    return loop.time() - started


async def first_question(slack: SlackClient, served: Served, user: str) -> str:
    """A new user starts the diagnostic on `served`: the text of the first question posted."""
    api: FakeSlackApi = slack.api
    before = len(api.calls("chat.postMessage"))
    reply = await slack.command(served, "start", user=user)
    assert reply.ok, reply
    posted = await api.wait_for("chat.postMessage", count=before + 2, timeout=30)
    return all_text(posted[-1])


@pytest.mark.postgres
async def test_a_reload_through_one_process_reaches_the_other_and_restarts_keep_it(
    tmp_path: Path, postgres_url: str
) -> None:
    folder_a = copy_knowledge(tmp_path / "machine-a")
    folder_b = copy_knowledge(tmp_path / "machine-b")
    original = load_knowledge(folder_a).version
    async with (
        fake_slack_api() as api,
        SlackClient(api) as slack,
        serving(tmp_path, "a", postgres_url, api, **settings_for(folder_a)) as a,
        serving(tmp_path, "b", postgres_url, api, **settings_for(folder_b)) as b,
    ):
        assert await version_of(b) == original
        # An admin edits the files on A's machine and reloads through A's endpoint.
        reword_question(folder_a, 0, FIRST_PROMPT)
        status, body = await admin(a, "POST", RELOAD_PATH)
        assert status == 200, body
        reloaded = str(body["version"])
        assert reloaded != original

        await converges(b, reloaded)
        assert FIRST_PROMPT in await first_question(slack, b, "U0PROCB1")

        # A broken edit through A changes nothing anywhere.
        break_it(folder_a)
        status, body = await admin(a, "POST", RELOAD_PATH)
        assert status == 422
        assert body["errors"] == list(BROKEN_ERRORS)
        await asyncio.sleep(float(POLL) * 3)
        assert await version_of(a) == reloaded
        assert await version_of(b) == reloaded

        # B restarts on its own, stale files: it adopts the active version, it does not roll
        # everyone back to the files it has.
        assert await terminate(b) == 0, b.log()
        async with serving(tmp_path, "b2", postgres_url, api, **settings_for(folder_b)) as b2:
            assert await version_of(b2) == reloaded
            assert FIRST_PROMPT in await first_question(slack, b2, "U0PROCB2")
            await asyncio.sleep(float(POLL) * 3)
            assert await version_of(a) == reloaded

            # A new deployment: files the database never saw become the active version, and
            # the processes already running follow.
            folder_c = copy_knowledge(tmp_path / "machine-c")
            reword_question(folder_c, 0, DEPLOYED_PROMPT)
            deployed = load_knowledge(folder_c).version
            async with serving(tmp_path, "c", postgres_url, api, **settings_for(folder_c)) as c:
                assert await version_of(c) == deployed
                await converges(a, deployed)
                await converges(b2, deployed)
                assert DEPLOYED_PROMPT in await first_question(slack, a, "U0PROCA1")

    repository = SqlStorage.from_url(postgres_url)
    try:
        loads = await repository.admin.knowledge_loads()
        entries = await repository.admin.audit_entries()
    finally:
        await repository.close()
    assert loads.active is not None
    assert (loads.active.version, loads.active.actor) == (deployed, "startup")
    reloads = [(e.actor, e.outcome) for e in entries if e.action == "knowledge.reload"]
    assert reloads == [("admin-token", "failed"), ("admin-token", "ok")]  # newest first
