"""Knowledge administration's platform-neutral half: the audit trail of each action, the words
admins are shown, and the ADMIN_TOKEN setting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.admin.live import FILE_WATCH_ACTOR, STARTUP_ACTOR, Actor, LiveKnowledge, ReloadResult
from bot.admin.service import (
    KnowledgeAdmin,
    KnowledgeStatus,
    reload_report,
    status_report,
    who_loaded,
)
from bot.config import ConfigError, Settings, load_settings
from bot.views.document import Inline, mention
from storage.admin import KnowledgeLoadRecord, LoadOutcome
from storage.memory import MemoryStorage
from storage.memory.admin import MemoryAdmin
from testing.fakes.knowledge_folder import BROKEN_ERRORS, break_it, copy_knowledge, reword_question

NOW = datetime(2026, 1, 8, 9, 30, tzinfo=UTC)
ADMIN = Actor("slack", "U0ADMIN", "T0001")


def clock() -> datetime:
    return NOW


@pytest.fixture
async def setup(tmp_path: Path) -> tuple[KnowledgeAdmin, MemoryAdmin, Path]:
    folder = copy_knowledge(tmp_path / "knowledge")
    repository = MemoryStorage().admin
    live = await LiveKnowledge.start(folder, repository, clock)
    return KnowledgeAdmin(live, repository, frozenset({"U0ADMIN"}), clock), repository, folder


async def test_every_action_is_audited_with_its_outcome(
    setup: tuple[KnowledgeAdmin, MemoryAdmin, Path],
) -> None:
    admin, repository, folder = setup
    reword_question(folder, 0, "Audited?")
    ok = await admin.reload(ADMIN)
    break_it(folder)
    failed = await admin.reload(ADMIN)
    await admin.status(ADMIN)
    await admin.refused(Actor("teams", "aad-1", "tenant-1"), "knowledge.reload")

    entries = list(reversed(await repository.audit_entries()))
    assert [(e.platform, e.actor, e.action, e.outcome) for e in entries] == [
        ("slack", "U0ADMIN", "knowledge.reload", "ok"),
        ("slack", "U0ADMIN", "knowledge.reload", "failed"),
        ("slack", "U0ADMIN", "knowledge.view", "ok"),
        ("teams", "aad-1", "knowledge.reload", "refused"),
    ]
    assert entries[0].detail == {"version": ok.version, "previous": ok.previous}
    assert entries[1].detail == {"version": ok.version, "previous": ok.version, "problems": 2}
    assert entries[0].at == NOW
    assert failed.errors == BROKEN_ERRORS


async def test_an_unchanged_watch_reload_is_not_audited(
    setup: tuple[KnowledgeAdmin, MemoryAdmin, Path],
) -> None:
    admin, repository, _ = setup

    await admin.reload(FILE_WATCH_ACTOR, record_unchanged=False)

    assert await repository.audit_entries() == []


async def test_an_audit_write_that_fails_does_not_hide_the_answer(
    setup: tuple[KnowledgeAdmin, MemoryAdmin, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, repository, _ = setup

    async def broken(*_args: object) -> int:
        raise RuntimeError("database down")

    monkeypatch.setattr(repository, "record_audit", broken)

    status = await admin.status(ADMIN)
    assert status.version


def test_listed_admins_by_any_of_their_ids(
    setup: tuple[KnowledgeAdmin, MemoryAdmin, Path],
) -> None:
    admin = setup[0]
    assert admin.listed("someone", "U0ADMIN")
    assert not admin.listed("someone", "")


# --- reports --------------------------------------------------------------------------------


def words(spans: Inline) -> str:
    return "".join(span.text for span in spans)


def test_reload_reports() -> None:
    counts = {"sources": 4, "models": 4, "dimensions": 12, "questions": 12}
    changed = reload_report(ReloadResult(True, "v2", "v1", {**counts, "snippets": 57}))
    assert changed.ok
    assert changed.title == "Reloaded: version v2 is now in use (was v1)."
    assert "4 sources, 4 models, 12 dimensions, 12 questions (0 in the pulse), 57 snippets." in (
        map(words, changed.facts)
    )
    same = reload_report(ReloadResult(True, "v1", "v1", counts))
    assert "unchanged" in same.title
    broken = reload_report(ReloadResult(False, "v1", "v1", errors=("a.yml:1: x",)))
    assert not broken.ok
    assert broken.title.startswith("The knowledge was not reloaded: 1 problem in the files.")
    assert broken.errors == ("a.yml:1: x",)


def load(platform: str, actor: str, workspace: str | None = None) -> KnowledgeLoadRecord:
    return KnowledgeLoadRecord(NOW, platform, actor, LoadOutcome.OK, workspace, "v1")


def test_who_loaded_names_people_and_the_server() -> None:
    viewer = Actor("slack", "U0VIEW", "T0001")
    assert who_loaded(load("slack", "U1", "T0001"), viewer, mentions=True) == mention("U1")
    assert who_loaded(load("slack", "U1", "T0001"), viewer) == "U1 (Slack)"
    assert who_loaded(load("slack", "U1", "T0002"), viewer, mentions=True) == "U1 (Slack)"
    assert who_loaded(load("teams", "aad-1", "T0001"), viewer, mentions=True) == "aad-1 (Teams)"
    assert who_loaded(load("server", STARTUP_ACTOR.user)) == "a server starting with new files"
    assert who_loaded(load("server", FILE_WATCH_ACTOR.user)) == "the file watch"
    assert who_loaded(load("http", "admin-token")) == "the admin endpoint (ADMIN_TOKEN)"


def test_the_status_report_says_when_this_process_is_behind() -> None:
    active = load("http", "admin-token")
    status = KnowledgeStatus("v0", {}, active, None)

    report = status_report(status)

    assert report.title == "Knowledge version v0 is in use."
    facts = [words(fact) for fact in report.facts]
    assert "Loaded 2026-01-08 09:30 UTC by the admin endpoint (ADMIN_TOKEN)." in facts
    assert "This process is switching to version v1 right now." in facts
    assert report.errors == ()


# --- settings -------------------------------------------------------------------------------


def test_admin_token_must_be_long_or_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_TOKEN", "too-short")
    with pytest.raises(ConfigError, match="ADMIN_TOKEN") as raised:
        load_settings()
    assert "too-short" not in str(raised.value)
    monkeypatch.setenv("ADMIN_TOKEN", "   ")
    assert load_settings().admin_token_value is None
    monkeypatch.setenv("ADMIN_TOKEN", "  long-enough-token-0123  ")
    assert load_settings().admin_token_value == "long-enough-token-0123"


def test_knowledge_settings_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.knowledge_poll_seconds == 5.0
    assert settings.knowledge_watch is False
