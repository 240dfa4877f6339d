"""The `AdminRepository` half of `MemoryRepository`: knowledge loads and the audit log in lists,
with the same checks and answers as `storage.sql_admin`."""

from __future__ import annotations

from dataclasses import replace

from storage.admin import (
    AuditRecord,
    KnowledgeHead,
    KnowledgeLoadRecord,
    KnowledgeLoads,
    LoadOutcome,
)
from storage.admin_checks import checked_audit, checked_load
from storage.checks import checked_count, json_copy


class MemoryAdmin:
    """Mixed into `MemoryRepository`; call `__init__` from its own."""

    def __init__(self) -> None:
        # By id, in id order (dicts keep insertion order); ids start at 1 and, as in the
        # database, are never reused once retention has deleted a row.
        self._loads: dict[int, KnowledgeLoadRecord] = {}
        self._audit: dict[int, AuditRecord] = {}
        self._last_load_id = 0
        self._last_audit_id = 0

    async def record_knowledge_load(self, load: KnowledgeLoadRecord) -> int:
        self._last_load_id += 1
        self._loads[self._last_load_id] = replace(checked_load(load), id=self._last_load_id)
        return self._last_load_id

    async def active_knowledge(self) -> KnowledgeHead | None:
        active = self._active()
        if active is None or active.id is None or active.version is None:
            return None
        return KnowledgeHead(active.id, active.version)

    async def knowledge_load(self, load_id: int) -> KnowledgeLoadRecord | None:
        load = self._loads.get(load_id)
        return None if load is None else _copy(load, files=True)

    async def knowledge_version_known(self, version: str) -> bool:
        return any(
            load.outcome is LoadOutcome.OK and load.version == version
            for load in self._loads.values()
        )

    async def knowledge_loads(self) -> KnowledgeLoads:
        active = self._active()
        after = active.id if active is not None and active.id is not None else 0
        failed = next(
            (
                load
                for load in reversed(self._loads.values())
                if load.outcome is LoadOutcome.FAILED and (load.id or 0) > after
            ),
            None,
        )
        return KnowledgeLoads(
            None if active is None else _copy(active, files=False),
            None if failed is None else _copy(failed, files=False),
        )

    async def record_audit(self, entry: AuditRecord) -> int:
        self._last_audit_id += 1
        self._audit[self._last_audit_id] = replace(checked_audit(entry), id=self._last_audit_id)
        return self._last_audit_id

    async def audit_entries(self, limit: int = 100) -> list[AuditRecord]:
        newest = list(reversed(self._audit.values()))[: checked_count(limit)]
        return [replace(entry, detail=json_copy(entry.detail, "detail")) for entry in newest]

    def _active(self) -> KnowledgeLoadRecord | None:
        return next(
            (load for load in reversed(self._loads.values()) if load.outcome is LoadOutcome.OK),
            None,
        )


def _copy(load: KnowledgeLoadRecord, *, files: bool) -> KnowledgeLoadRecord:
    return replace(load, counts=dict(load.counts), files=dict(load.files) if files else {})
