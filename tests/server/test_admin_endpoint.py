"""The admin endpoint (`POST /admin/knowledge/reload`, `GET /admin/knowledge`) and the client
behind `advisor knowledge reload`, against the real server."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.admin.client import knowledge_reload
from bot.admin.http import RELOAD_PATH, STATUS_PATH
from bot.config import Settings
from bot.knowledge import load_knowledge
from testing.fakes.knowledge_folder import BROKEN_ERRORS, break_it, copy_knowledge, reword_question
from testing.fakes.slack_api import FakeSlackApi
from tests.server.conftest import RunningServer, running, token_settings
from tests.server.processes import free_port

TOKEN = "admin-token-for-tests-0123456789"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path / "knowledge")


@pytest.fixture
async def admin_server(
    tmp_path: Path, folder: Path, slack_api: FakeSlackApi
) -> AsyncIterator[RunningServer]:
    settings = token_settings(tmp_path, slack_api, knowledge_dir=folder, admin_token=TOKEN)
    async for running_server in running(settings, slack_api):
        yield running_server


async def call(
    server: RunningServer, method: str, path: str, authorization: str | None = None
) -> tuple[int, dict[str, Any], str]:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.base + path, headers=headers) as reply,
    ):
        body = await reply.json(content_type=None) if reply.status != 404 else {}
        return reply.status, body, reply.headers.get("WWW-Authenticate", "")


async def test_without_admin_token_the_endpoints_are_not_served(server: RunningServer) -> None:
    assert (await call(server, "POST", RELOAD_PATH, f"Bearer {TOKEN}"))[0] == 404
    assert (await call(server, "GET", STATUS_PATH, f"Bearer {TOKEN}"))[0] == 404


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-header"),
        pytest.param("Bearer ", id="empty-token"),
        pytest.param("Bearer wrong-token-0123456789abcdef", id="wrong-token"),
        pytest.param(f"Bearer {TOKEN}x", id="longer-token"),
        pytest.param(f"Basic {TOKEN}", id="other-scheme"),
        pytest.param(TOKEN, id="no-scheme"),
    ],
)
async def test_a_missing_or_wrong_token_is_refused_and_audited(
    admin_server: RunningServer, folder: Path, authorization: str | None
) -> None:
    before = admin_server.app.knowledge.version
    reword_question(folder, 0, "Changed, but nobody may reload it?")

    status, body, challenge = await call(admin_server, "POST", RELOAD_PATH, authorization)

    assert status == 401
    assert challenge.startswith("Bearer")
    assert body == {"ok": False, "error": "missing or wrong admin token"}
    assert admin_server.app.knowledge.version == before
    assert (await call(admin_server, "GET", STATUS_PATH, authorization))[0] == 401
    entries = await admin_server.app.storage.admin.audit_entries()
    assert [(e.platform, e.actor, e.action, e.outcome) for e in entries] == [
        ("http", "invalid-token", "knowledge.view", "refused"),
        ("http", "invalid-token", "knowledge.reload", "refused"),
    ]


async def test_the_right_token_reloads_and_answers_the_new_version(
    admin_server: RunningServer, folder: Path
) -> None:
    before = admin_server.app.knowledge.version
    reword_question(folder, 0, "Reloaded over HTTP?")

    status, body, _ = await call(admin_server, "POST", RELOAD_PATH, f"Bearer {TOKEN}")

    version = load_knowledge(folder).version
    assert status == 200
    assert body["ok"] is True
    assert (body["version"], body["previous"], body["changed"]) == (version, before, True)
    assert body["counts"]["questions"] == 12
    assert body["errors"] == []
    assert admin_server.app.knowledge.version == version
    status, view, _ = await call(admin_server, "GET", STATUS_PATH, f"bearer {TOKEN}")
    assert status == 200
    assert view["version"] == version
    assert (view["active"]["platform"], view["active"]["actor"]) == ("http", "admin-token")
    assert view["failed_since"] is None
    entries = await admin_server.app.storage.admin.audit_entries()
    assert [(e.actor, e.action, e.outcome) for e in entries] == [
        ("admin-token", "knowledge.view", "ok"),
        ("admin-token", "knowledge.reload", "ok"),
    ]


async def test_a_broken_folder_answers_every_error_and_keeps_the_version(
    admin_server: RunningServer, folder: Path
) -> None:
    before = admin_server.app.knowledge.version
    break_it(folder)

    status, body, _ = await call(admin_server, "POST", RELOAD_PATH, f"Bearer {TOKEN}")

    assert status == 422
    assert body["ok"] is False
    assert body["errors"] == list(BROKEN_ERRORS)
    assert body["version"] == before
    _, view, _ = await call(admin_server, "GET", STATUS_PATH, f"Bearer {TOKEN}")
    assert view["failed_since"]["errors"] == list(BROKEN_ERRORS)


def _nul_byte(folder: Path) -> str:
    path = folder / "models.yml"
    path.write_bytes(path.read_bytes().replace(b"models:", b"models:\x00", 1))
    return "models.yml:"


def _alias_bomb(folder: Path) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 8):
        previous = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    (folder / "zz_bomb.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "zz_bomb.yml:1:"  # refused at the first anchor, before any expansion


def _deep_nesting(folder: Path) -> str:
    (folder / "zz_deep.yml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return "zz_deep.yml:1:"


def _oversized(folder: Path) -> str:
    padding = "# " + "x" * 98 + "\n"
    (folder / "zz_big.yml").write_text(padding * 25_000, encoding="utf-8")  # 2.5 MB
    return "zz_big.yml:"


def _duplicate_across_files(folder: Path) -> str:
    (folder / "zz_copy.yml").write_text(
        (folder / "questions.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return "zz_copy.yml:"


HOSTILE = {
    "a NUL byte": _nul_byte,
    "an alias bomb": _alias_bomb,
    "5,000-deep nesting": _deep_nesting,
    "a file over the size limit": _oversized,
    "a question copied into another file": _duplicate_across_files,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_a_hostile_folder_is_refused_with_file_and_line_and_recorded(
    admin_server: RunningServer, folder: Path, name: str
) -> None:
    before = admin_server.app.knowledge.version
    where = HOSTILE[name](folder)

    status, body, _ = await call(admin_server, "POST", RELOAD_PATH, f"Bearer {TOKEN}")

    assert status == 422, body
    assert body["version"] == before
    assert body["errors"]
    assert body["errors"][0].startswith(where), body["errors"][:3]
    assert not any("advisor-knowledge-" in error for error in body["errors"])  # no temp copy
    _, view, _ = await call(admin_server, "GET", STATUS_PATH, f"Bearer {TOKEN}")
    assert view["failed_since"]["errors"] == body["errors"]  # the attempt is recorded
    assert view["version"] == before


# --- `advisor knowledge reload` -----------------------------------------------------------------


async def run_reload(settings: Settings, url: str | None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await asyncio.to_thread(knowledge_reload, settings, url, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def cli_settings(**values: Any) -> Settings:
    return Settings(**values)


async def test_the_reload_command_prints_the_new_version(
    admin_server: RunningServer, folder: Path
) -> None:
    reword_question(folder, 0, "Reloaded from the command line?")

    code, out, err = await run_reload(cli_settings(admin_token=TOKEN), admin_server.base)

    assert (code, err) == (0, "")
    assert out.startswith(f"reloaded: version {load_knowledge(folder).version} (was ")
    assert "12 questions" in out
    code, out, _ = await run_reload(cli_settings(admin_token=TOKEN), admin_server.base + "/")
    assert code == 0
    assert out.startswith("reloaded: unchanged")


async def test_the_reload_command_prints_every_error_and_exits_1(
    admin_server: RunningServer, folder: Path
) -> None:
    break_it(folder)

    code, out, err = await run_reload(cli_settings(admin_token=TOKEN), admin_server.base)

    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0].startswith("knowledge has 2 problem(s)")
    assert lines[1:] == list(BROKEN_ERRORS)


async def test_the_reload_command_exits_2_when_it_cannot_ask(
    admin_server: RunningServer, server: RunningServer
) -> None:
    wrong = await run_reload(
        cli_settings(admin_token="another-token-0123456789"), admin_server.base
    )
    assert wrong[0] == 2
    assert "refused the token" in wrong[2]
    unset = await run_reload(cli_settings(admin_token=None), admin_server.base)
    assert unset[0] == 2
    assert "ADMIN_TOKEN is not set" in unset[2]
    not_served = await run_reload(cli_settings(admin_token=TOKEN), server.base)
    assert not_served[0] == 2
    assert "serves no admin endpoint" in not_served[2]
    nobody = await run_reload(cli_settings(admin_token=TOKEN, port=free_port()), None)
    assert nobody[0] == 2
    assert "could not reach the advisor at http://127.0.0.1:" in nobody[2]
    for _, out, err in (wrong, unset, not_served, nobody):
        assert out == ""
        assert TOKEN not in err


async def test_a_flood_of_wrong_tokens_writes_one_entry_and_is_told_to_wait(
    admin_server: RunningServer,
) -> None:
    statuses = [
        (await call(admin_server, "POST", RELOAD_PATH, "Bearer wrong-0123456789abcdef"))[0]
        for _ in range(40)
    ]
    assert statuses[:30] == [401] * 30
    assert set(statuses[30:]) == {429}
    entries = await admin_server.app.storage.admin.audit_entries()
    assert [(e.action, e.outcome) for e in entries] == [("knowledge.reload", "refused")]
