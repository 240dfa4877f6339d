"""`AdminStore` on SQLAlchemy: knowledge loads and the audit log on SQLite and PostgreSQL.

Both tables are append-only (only retention, `storage.sql.lifecycle`, deletes or retires old
rows), so nothing here can conflict: a load's id comes from the database, and "the active
knowledge" is simply the highest id among the successful loads, found through the (outcome,
id) index. The poll every process makes reads two columns of one row; the files (tens of
kilobytes) are read only by a process whose version is behind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, insert, select

from storage.admin import (
    AuditRecord,
    KnowledgeHead,
    KnowledgeLoadRecord,
    KnowledgeLoads,
    LoadOutcome,
)
from storage.checks.admin import checked_audit, checked_load
from storage.checks.common import checked_count
from storage.sql.database import Database
from storage.tables import AuditEntry, KnowledgeLoad

_OK = LoadOutcome.OK.value
_FAILED = LoadOutcome.FAILED.value
# Every column but the files, for the views that do not need them.
_SUMMARY_COLUMNS = (
    KnowledgeLoad.id,
    KnowledgeLoad.loaded_at,
    KnowledgeLoad.platform,
    KnowledgeLoad.workspace,
    KnowledgeLoad.actor,
    KnowledgeLoad.outcome,
    KnowledgeLoad.version,
    KnowledgeLoad.counts,
    KnowledgeLoad.errors,
)


class SqlAdmin:
    """An `AdminStore` over a `Database`, each call one of its transactions."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def record_knowledge_load(self, load: KnowledgeLoadRecord) -> int:
        record = checked_load(load)
        row = {
            "loaded_at": record.loaded_at,
            "platform": record.platform,
            "workspace": record.workspace,
            "actor": record.actor,
            "outcome": record.outcome.value,
            "version": record.version,
            "counts": record.counts,
            "errors": list(record.errors),
            "files": record.files,
        }
        statement = insert(KnowledgeLoad).values(row).returning(KnowledgeLoad.id)
        async with self._db.transaction("record the knowledge load", write=True) as session:
            load_id: int = (await session.execute(statement)).scalar_one()
        return load_id

    async def active_knowledge(self) -> KnowledgeHead | None:
        query = (
            select(KnowledgeLoad.id, KnowledgeLoad.version)
            .where(KnowledgeLoad.outcome == _OK)
            .order_by(KnowledgeLoad.id.desc())
            .limit(1)
        )
        async with self._db.transaction("read the active knowledge") as session:
            row = (await session.execute(query)).first()
        if row is None or row.version is None:
            return None
        return KnowledgeHead(row.id, row.version)

    async def knowledge_load(self, load_id: int) -> KnowledgeLoadRecord | None:
        query = select(KnowledgeLoad).where(KnowledgeLoad.id == load_id)
        async with self._db.transaction("read the knowledge load") as session:
            row = await session.scalar(query)
            if row is None:
                return None
            return _load_record(row, files=dict(row.files))

    async def knowledge_version_known(self, version: str) -> bool:
        query = select(
            exists().where(KnowledgeLoad.outcome == _OK, KnowledgeLoad.version == version)
        )
        async with self._db.transaction("look the knowledge version up") as session:
            return bool(await session.scalar(query))

    async def knowledge_loads(self) -> KnowledgeLoads:
        async with self._db.transaction("read the knowledge loads") as session:
            active = (
                await session.execute(
                    select(*_SUMMARY_COLUMNS)
                    .where(KnowledgeLoad.outcome == _OK)
                    .order_by(KnowledgeLoad.id.desc())
                    .limit(1)
                )
            ).first()
            failed_query = select(*_SUMMARY_COLUMNS).where(KnowledgeLoad.outcome == _FAILED)
            if active is not None:
                failed_query = failed_query.where(KnowledgeLoad.id > active.id)
            failed = (
                await session.execute(failed_query.order_by(KnowledgeLoad.id.desc()).limit(1))
            ).first()
        return KnowledgeLoads(
            None if active is None else _load_record(active),
            None if failed is None else _load_record(failed),
        )

    async def record_audit(self, entry: AuditRecord) -> int:
        record = checked_audit(entry)
        row = {
            "at": record.at,
            "platform": record.platform,
            "workspace": record.workspace,
            "actor": record.actor,
            "action": record.action,
            "outcome": record.outcome,
            "detail": record.detail,
        }
        statement = insert(AuditEntry).values(row).returning(AuditEntry.id)
        async with self._db.transaction("record the audit entry", write=True) as session:
            entry_id: int = (await session.execute(statement)).scalar_one()
        return entry_id

    async def audit_entries(self, limit: int = 100) -> list[AuditRecord]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(checked_count(limit))
        async with self._db.transaction("read the audit log") as session:
            rows = (await session.scalars(query)).all()
            return [
                AuditRecord(
                    at=row.at,
                    platform=row.platform,
                    actor=row.actor,
                    action=row.action,
                    outcome=row.outcome,
                    workspace=row.workspace,
                    detail=dict(row.detail),
                    id=row.id,
                )
                for row in rows
            ]


def _load_record(row: Any, files: dict[str, str] | None = None) -> KnowledgeLoadRecord:
    """A record from a `KnowledgeLoad` row or a row of `_SUMMARY_COLUMNS`."""
    return KnowledgeLoadRecord(
        loaded_at=row.loaded_at,
        platform=row.platform,
        actor=row.actor,
        outcome=LoadOutcome(row.outcome),
        workspace=row.workspace,
        version=row.version,
        counts=dict(row.counts),
        errors=tuple(row.errors),
        files=files or {},
        id=row.id,
    )
