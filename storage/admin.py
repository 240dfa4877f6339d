"""The storage interface of knowledge administration: the knowledge loads and the audit log.

`knowledge_loads` records every attempt to load the knowledge (a reload by an admin, the file
watch, a process starting on files the database has never seen): when, by whom, the outcome,
and for a load that succeeded its version, its counts and the text of every knowledge file.
The latest successful load is the version every process serves: each polls `active_knowledge`
(one small indexed query) and, when it changed, builds the knowledge from the stored files, so
a process on a machine without those files serves the same version.

`audit_log` records every admin action, refused attempts included, with who did it: naming
the admin is the point of an audit log. Its detail never holds what people typed. Neither
table belongs to a workspace: `LifecycleStore.delete_workspace` leaves both alone, so the audit
trail outlives an uninstall, and a person's "forget me" counts their entries but keeps them.
Only retention (`storage.lifecycle`, with RETENTION_DAYS) removes entries and retires old
loads, once they are older than the retention period.

`AdminStore` is what `bot.admin.live.LiveKnowledge` and `bot.admin.KnowledgeAdmin` need;
`storage.sql.admin` and `storage.memory.admin` implement it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

# An action's name ("knowledge.reload") and an outcome ("ok", "failed", "refused").
ACTION_LENGTH = 64
OUTCOME_LENGTH = 16
# What one load keeps at most: a whole folder broken at once still fits, a runaway one is cut.
MAX_ERRORS = 1000
MAX_ERROR_LENGTH = 2000


class LoadOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True)
class KnowledgeLoadRecord:
    """One attempt to load the knowledge.

    `platform`, `workspace` and `actor` say who: a chat user (`slack`, the workspace, the user
    id), or the server itself (`server`/`http`, no workspace, `startup`, `file-watch`,
    `admin-token`). A successful load has its `version`, its `counts` (sources, models, ...)
    and `files` (relative path -> text: enough to build the same knowledge anywhere); a failed
    one has its `errors` (`file:line: message`) and neither version nor files. `id` is given by
    storage and orders the loads."""

    loaded_at: datetime
    platform: str
    actor: str
    outcome: LoadOutcome
    workspace: str | None = None
    version: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class KnowledgeHead:
    """The active knowledge: the latest successful load, by id and version."""

    load_id: int
    version: str


@dataclass(frozen=True)
class KnowledgeLoads:
    """What an admin's view shows: the active load, and the latest failed attempt after it
    (None when the last attempt succeeded). Neither carries its files."""

    active: KnowledgeLoadRecord | None
    failed_since: KnowledgeLoadRecord | None


@dataclass(frozen=True)
class AuditRecord:
    """One admin action: who (platform, workspace, actor), what (`action`), how it ended
    (`outcome`: ok, failed, refused), and a JSON `detail` (versions, counts; never message
    text). `id` is given by storage."""

    at: datetime
    platform: str
    actor: str
    action: str
    outcome: str
    workspace: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


class AdminStore(Protocol):
    """Everything knowledge administration needs from storage. Safe to share between tasks
    and processes; each method is one transaction. ValueError, nothing written, for a caller's
    mistake: a naive time, an empty or over-long name, NUL characters, a successful load
    without version or files, a failed one without errors or with files, values JSON cannot
    hold."""

    async def record_knowledge_load(self, load: KnowledgeLoadRecord) -> int:
        """Append a load; returns its id, greater than every earlier load's. A successful load
        becomes the active knowledge. Errors beyond MAX_ERRORS, and the end of any error over
        MAX_ERROR_LENGTH characters, are not kept."""
        ...

    async def active_knowledge(self) -> KnowledgeHead | None:
        """The latest successful load's id and version (the cheap query every process polls),
        or None when no load ever succeeded."""
        ...

    async def knowledge_load(self, load_id: int) -> KnowledgeLoadRecord | None:
        """One load, with its files."""
        ...

    async def knowledge_version_known(self, version: str) -> bool:
        """Whether any successful load ever had this version (active or superseded)."""
        ...

    async def knowledge_loads(self) -> KnowledgeLoads:
        """The active load and the latest failure after it, without their files."""
        ...

    async def record_audit(self, entry: AuditRecord) -> int:
        """Append an entry to the audit log; returns its id."""
        ...

    async def audit_entries(self, limit: int = 100) -> list[AuditRecord]:
        """The latest entries, newest first; ValueError for a `limit` below 1."""
        ...
