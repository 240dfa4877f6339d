"""`AdminStore` in process memory: knowledge loads and the audit log in the `MemoryDatabase`'s
dicts, with the same checks and answers as `storage.sql.admin`."""

from __future__ import annotations

from dataclasses import replace

from storage.admin import (
    AuditRecord,
    KnowledgeHead,
    KnowledgeLoadRecord,
    KnowledgeLoads,
    LoadOutcome,
)
from storage.checks.admin import checked_audit, checked_load
from storage.checks.common import checked_count, json_copy
from storage.memory.database import MemoryDatabase


class MemoryAdmin:
    """An `AdminStore` over a `MemoryDatabase`."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    async def record_knowledge_load(self, load: KnowledgeLoadRecord) -> int:
        load_id = self._db.next_load_id()
        self._db.loads[load_id] = replace(checked_load(load), id=load_id)
        return load_id

    async def active_knowledge(self) -> KnowledgeHead | None:
        active = self._active()
        if active is None or active.id is None or active.version is None:
            return None
        return KnowledgeHead(active.id, active.version)

    async def knowledge_load(self, load_id: int) -> KnowledgeLoadRecord | None:
        load = self._db.loads.get(load_id)
        return None if load is None else _copy(load, files=True)

    async def knowledge_version_known(self, version: str) -> bool:
        return any(
            load.outcome is LoadOutcome.OK and load.version == version
            for load in self._db.loads.values()
        )

    async def knowledge_loads(self) -> KnowledgeLoads:
        active = self._active()
        after = active.id if active is not None and active.id is not None else 0
        failed = next(
            (
                load
                for load in reversed(self._db.loads.values())
                if load.outcome is LoadOutcome.FAILED and (load.id or 0) > after
            ),
            None,
        )
        return KnowledgeLoads(
            None if active is None else _copy(active, files=False),
            None if failed is None else _copy(failed, files=False),
        )

    async def record_audit(self, entry: AuditRecord) -> int:
        entry_id = self._db.next_audit_id()
        self._db.audit[entry_id] = replace(checked_audit(entry), id=entry_id)
        return entry_id

    async def audit_entries(self, limit: int = 100) -> list[AuditRecord]:
        newest = list(reversed(self._db.audit.values()))[: checked_count(limit)]
        return [replace(entry, detail=json_copy(entry.detail, "detail")) for entry in newest]

    def _active(self) -> KnowledgeLoadRecord | None:
        return next(
            (load for load in reversed(self._db.loads.values()) if load.outcome is LoadOutcome.OK),
            None,
        )


def _copy(load: KnowledgeLoadRecord, *, files: bool) -> KnowledgeLoadRecord:
    return replace(load, counts=dict(load.counts), files=dict(load.files) if files else {})
