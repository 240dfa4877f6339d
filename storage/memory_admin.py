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
from storage.admin_checks import checked_audit, checked_limit, checked_load
from storage.checks import json_copy


class MemoryAdmin:
    """Mixed into `MemoryRepository`; call `__init__` from its own."""

    def __init__(self) -> None:
        self._loads: list[KnowledgeLoadRecord] = []  # in id order; ids start at 1
        self._audit: list[AuditRecord] = []

    async def record_knowledge_load(self, load: KnowledgeLoadRecord) -> int:
        record = replace(checked_load(load), id=len(self._loads) + 1)
        self._loads.append(record)
        return len(self._loads)

    async def active_knowledge(self) -> KnowledgeHead | None:
        active = self._active()
        if active is None or active.id is None or active.version is None:
            return None
        return KnowledgeHead(active.id, active.version)

    async def knowledge_load(self, load_id: int) -> KnowledgeLoadRecord | None:
        if not 1 <= load_id <= len(self._loads):
            return None
        return _copy(self._loads[load_id - 1], files=True)

    async def knowledge_version_known(self, version: str) -> bool:
        return any(
            load.outcome is LoadOutcome.OK and load.version == version for load in self._loads
        )

    async def knowledge_loads(self) -> KnowledgeLoads:
        active = self._active()
        after = active.id if active is not None and active.id is not None else 0
        failed = next(
            (
                load
                for load in reversed(self._loads)
                if load.outcome is LoadOutcome.FAILED and (load.id or 0) > after
            ),
            None,
        )
        return KnowledgeLoads(
            None if active is None else _copy(active, files=False),
            None if failed is None else _copy(failed, files=False),
        )

    async def record_audit(self, entry: AuditRecord) -> int:
        self._audit.append(replace(checked_audit(entry), id=len(self._audit) + 1))
        return len(self._audit)

    async def audit_entries(self, limit: int = 100) -> list[AuditRecord]:
        newest = list(reversed(self._audit))[: checked_limit(limit)]
        return [replace(entry, detail=json_copy(entry.detail, "detail")) for entry in newest]

    def _active(self) -> KnowledgeLoadRecord | None:
        return next(
            (load for load in reversed(self._loads) if load.outcome is LoadOutcome.OK), None
        )


def _copy(load: KnowledgeLoadRecord, *, files: bool) -> KnowledgeLoadRecord:
    return replace(load, counts=dict(load.counts), files=dict(load.files) if files else {})
