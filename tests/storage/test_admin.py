"""The AdminStore contract (knowledge loads, audit log): every implementation, on every
database, behaves the same."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage import Storage
from storage.admin import (
    MAX_ERROR_LENGTH,
    MAX_ERRORS,
    AdminStore,
    AuditRecord,
    KnowledgeHead,
    KnowledgeLoadRecord,
    LoadOutcome,
)
from storage.conversations import ConversationKey

NOW = datetime(2026, 1, 8, 9, 30, 15, 123456, tzinfo=UTC)
FILES = {"questions.yml": "questions: []\n", "snippets/a.yml": "snippets: [] # ünïcode\n"}


def ok(version: str, at: datetime = NOW, **values: object) -> KnowledgeLoadRecord:
    fields: dict[str, object] = {
        "loaded_at": at,
        "platform": "slack",
        "workspace": "T0001",
        "actor": "U0ADMIN",
        "outcome": LoadOutcome.OK,
        "version": version,
        "counts": {"questions": 12, "snippets": 56},
        "files": FILES,
        **values,
    }
    return KnowledgeLoadRecord(**fields)  # type: ignore[arg-type]


def failed(*errors: str, at: datetime = NOW) -> KnowledgeLoadRecord:
    return KnowledgeLoadRecord(
        loaded_at=at,
        platform="server",
        actor="file-watch",
        outcome=LoadOutcome.FAILED,
        errors=errors,
    )


def audit(action: str = "knowledge.reload", **values: object) -> AuditRecord:
    fields: dict[str, object] = {
        "at": NOW,
        "platform": "teams",
        "workspace": "tenant-1",
        "actor": "00000000-0000-4000-8000-00000000ada1",
        "action": action,
        "outcome": "ok",
        "detail": {"version": "abc", "problems": 0},
        **values,
    }
    return AuditRecord(**fields)  # type: ignore[arg-type]


# --- knowledge loads ----------------------------------------------------------------------------


async def test_nothing_is_active_before_the_first_successful_load(admin: AdminStore) -> None:
    assert await admin.active_knowledge() is None
    await admin.record_knowledge_load(failed("questions.yml:3: broken"))

    assert await admin.active_knowledge() is None
    loads = await admin.knowledge_loads()
    assert loads.active is None
    assert loads.failed_since is not None
    assert loads.failed_since.errors == ("questions.yml:3: broken",)


async def test_the_latest_successful_load_is_active(admin: AdminStore) -> None:
    first = await admin.record_knowledge_load(ok("v1"))
    second = await admin.record_knowledge_load(ok("v2", NOW + timedelta(minutes=1)))
    await admin.record_knowledge_load(failed("a.yml:1: x", at=NOW + timedelta(minutes=2)))

    assert second > first
    assert await admin.active_knowledge() == KnowledgeHead(second, "v2")


async def test_a_load_comes_back_whole_with_its_files(admin: AdminStore) -> None:
    load_id = await admin.record_knowledge_load(
        ok("v1", at=NOW.astimezone(timezone(timedelta(hours=2))))
    )

    stored = await admin.knowledge_load(load_id)

    assert stored == replace(ok("v1"), id=load_id)
    assert stored is not None
    assert stored.files == FILES
    assert stored.loaded_at.tzinfo is not None
    assert await admin.knowledge_load(load_id + 100) is None


async def test_knowledge_loads_shows_the_failure_after_the_active_load_only(
    admin: AdminStore,
) -> None:
    await admin.record_knowledge_load(failed("old.yml:1: before"))
    active = await admin.record_knowledge_load(ok("v1"))

    loads = await admin.knowledge_loads()
    assert loads.active is not None
    assert (loads.active.id, loads.active.version, loads.active.actor) == (active, "v1", "U0ADMIN")
    assert loads.active.files == {}  # the view does not carry the files
    assert loads.failed_since is None

    await admin.record_knowledge_load(failed("a.yml:1: first"))
    await admin.record_knowledge_load(failed("a.yml:2: second", "b.yml:3: third"))
    loads = await admin.knowledge_loads()
    assert loads.failed_since is not None
    assert loads.failed_since.errors == ("a.yml:2: second", "b.yml:3: third")
    assert loads.failed_since.version is None


async def test_a_version_is_known_once_it_loaded(admin: AdminStore) -> None:
    assert not await admin.knowledge_version_known("v1")
    await admin.record_knowledge_load(ok("v1"))
    await admin.record_knowledge_load(ok("v2"))

    assert await admin.knowledge_version_known("v1")  # superseded, still known
    assert await admin.knowledge_version_known("v2")
    assert not await admin.knowledge_version_known("v3")


async def test_errors_are_bounded(admin: AdminStore) -> None:
    many = tuple(f"q.yml:{n}: " + "x" * (MAX_ERROR_LENGTH + 10) for n in range(MAX_ERRORS + 5))
    load_id = await admin.record_knowledge_load(failed(*many))

    stored = await admin.knowledge_load(load_id)
    assert stored is not None
    assert len(stored.errors) == MAX_ERRORS
    assert all(len(error) == MAX_ERROR_LENGTH for error in stored.errors)


@pytest.mark.parametrize(
    "load",
    [
        pytest.param(replace(ok("v1"), loaded_at=NOW.replace(tzinfo=None)), id="naive-time"),
        pytest.param(replace(ok("v1"), version=None), id="ok-without-version"),
        pytest.param(replace(ok("v1"), files={}), id="ok-without-files"),
        pytest.param(replace(ok("v1"), files={"a.yml": "nul\x00"}), id="nul-in-a-file"),
        pytest.param(replace(ok("v1"), actor=""), id="empty-actor"),
        pytest.param(replace(ok("v1"), platform="p" * 33), id="long-platform"),
        pytest.param(ok("v1", counts={"questions": 1.5}), id="non-int-count"),
        pytest.param(replace(failed("a.yml:1: x"), version="v1"), id="failed-with-version"),
        pytest.param(replace(failed("a.yml:1: x"), files=FILES), id="failed-with-files"),
        pytest.param(failed(), id="failed-without-errors"),
    ],
)
async def test_wrong_loads_are_refused_and_nothing_is_written(
    admin: AdminStore, load: KnowledgeLoadRecord
) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        await admin.record_knowledge_load(load)

    assert await admin.active_knowledge() is None
    assert (await admin.knowledge_loads()).failed_since is None


async def test_concurrent_loads_get_distinct_increasing_ids(admin: AdminStore) -> None:
    ids = await asyncio.gather(*(admin.record_knowledge_load(ok(f"v{n}")) for n in range(8)))

    assert len(set(ids)) == 8
    head = await admin.active_knowledge()
    assert head is not None
    assert head.load_id == max(ids)


# --- audit log ----------------------------------------------------------------------------------


async def test_audit_entries_come_back_newest_first(admin: AdminStore) -> None:
    first = await admin.record_audit(audit("knowledge.view"))
    second = await admin.record_audit(audit(outcome="refused", workspace=None, detail={}))

    entries = await admin.audit_entries()

    assert [entry.id for entry in entries] == [second, first]
    assert entries[0] == replace(audit(outcome="refused", workspace=None, detail={}), id=second)
    assert entries[1].detail == {"version": "abc", "problems": 0}
    assert await admin.audit_entries(limit=1) == entries[:1]


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(audit(at=NOW.replace(tzinfo=None)), id="naive-time"),
        pytest.param(audit(action=""), id="empty-action"),
        pytest.param(audit(action="a" * 65), id="long-action"),
        pytest.param(audit(actor="U\x00"), id="nul-actor"),
        pytest.param(audit(detail={"x": float("nan")}), id="not-json"),
    ],
)
async def test_wrong_audit_entries_are_refused(admin: AdminStore, entry: AuditRecord) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        await admin.record_audit(entry)
    assert await admin.audit_entries() == []


async def test_a_limit_below_one_is_refused(admin: AdminStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        await admin.audit_entries(limit=0)


async def test_deleting_a_workspace_keeps_the_audit_log_and_the_loads(storage: Storage) -> None:
    await storage.admin.record_audit(audit(platform="slack", workspace="T0001"))
    await storage.admin.record_knowledge_load(ok("v1"))
    await storage.conversations.save_turn(
        ConversationKey("slack", "T0001", "U1"), {"a": 1}, None, NOW
    )

    assert await storage.lifecycle.delete_workspace("slack", "T0001") == 1

    assert len(await storage.admin.audit_entries()) == 1
    assert await storage.admin.active_knowledge() is not None
