"""Knowledge administration, the same on every platform: reload, the admin's view of the
knowledge in use, who may, and the audit trail of all of it.

Adapters work out who the person is and whether the platform itself makes them an admin (a
Slack workspace admin or owner), then call `KnowledgeAdmin`, which records every action in the
audit log (refusals too) and hands back plain data; `reload_report` and `status_report` turn it
into the words every adapter shows (the catalogue's, `bot.views.catalogue`), each in its own
markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.admin.live import (
    FILE_WATCH,
    SERVER,
    STARTUP,
    Actor,
    LiveKnowledge,
    ReloadResult,
    counts,
)
from bot.views import catalogue
from bot.views.document import Inline, Span, mention, say
from storage.admin import AdminStore, AuditRecord, KnowledgeLoadRecord

log = logging.getLogger(__name__)

RELOAD = "knowledge.reload"
VIEW = "knowledge.view"
OK, FAILED, REFUSED = "ok", "failed", "refused"
# Whoever holds ADMIN_TOKEN (`advisor knowledge reload`, the admin endpoint).
HTTP = "http"
ADMIN_TOKEN = "admin-token"
TOKEN_ACTOR = Actor(HTTP, ADMIN_TOKEN)


@dataclass(frozen=True)
class KnowledgeStatus:
    """The admin's view: what this process serves, the active load (when, by whom) and the
    latest failed attempt after it."""

    version: str
    counts: dict[str, int]
    active: KnowledgeLoadRecord | None
    failed_since: KnowledgeLoadRecord | None


class KnowledgeAdmin:
    def __init__(
        self,
        live: LiveKnowledge,
        repository: AdminStore,
        admins: frozenset[str],
        clock: Callable[[], datetime],
    ) -> None:
        self._live = live
        self._repository = repository
        self._admins = admins
        self._clock = clock

    def listed(self, *user_ids: str) -> bool:
        """Whether ADMIN_USERS names the person by any of their ids."""
        return any(user in self._admins for user in user_ids if user)

    async def reload(self, who: Actor, *, record_unchanged: bool = True) -> ReloadResult:
        """Reload from this process's knowledge folder and audit it; with
        `record_unchanged=False` (the file watch), a reload that finds the active version
        records nothing (every process watching the same folder sees the same save)."""
        result = await self._live.reload(who, record_unchanged=record_unchanged)
        if not result.recorded:
            return result
        detail: dict[str, Any] = {"version": result.version, "previous": result.previous}
        if not result.ok:
            detail["problems"] = len(result.errors)
        await self.audit(who, RELOAD, OK if result.ok else FAILED, detail)
        return result

    async def status(self, who: Actor) -> KnowledgeStatus:
        loads = await self._repository.knowledge_loads()
        knowledge = self._live.current()
        await self.audit(who, VIEW, OK, {"version": knowledge.version})
        return KnowledgeStatus(
            knowledge.version, counts(knowledge), loads.active, loads.failed_since
        )

    async def refused(self, who: Actor, action: str, repeats: int = 0) -> None:
        """Audit a refused action; `repeats`: that many more refusals collapsed into one entry."""
        log.info(
            "admin action refused action=%s platform=%s repeats=%d", action, who.platform, repeats
        )
        await self.audit(who, action, REFUSED, {"repeats": repeats} if repeats else {})

    async def audit(self, who: Actor, action: str, outcome: str, detail: dict[str, Any]) -> None:
        """One audit entry. A failure to write it is logged, not raised: the action it
        describes has happened either way, and its answer should reach the admin."""
        entry = AuditRecord(
            at=self._clock(),
            platform=who.platform,
            actor=who.user,
            action=action,
            outcome=outcome,
            workspace=who.workspace,
            detail=detail,
        )
        try:
            await self._repository.record_audit(entry)
        except Exception as error:
            log.error("audit entry not recorded action=%s error=%s", action, type(error).__name__)


# --- what admins are shown ----------------------------------------------------------------------


@dataclass(frozen=True)
class AdminReport:
    """An answer to an admin, in plain words: a headline, facts, and errors to show verbatim
    (as code: `file:line: message`) under their own heading. `bot.views.admin` draws it."""

    ok: bool
    title: str
    facts: tuple[Inline, ...] = ()
    errors_title: Inline = ()
    errors: tuple[str, ...] = ()


def reload_report(result: ReloadResult) -> AdminReport:
    if not result.ok:
        return AdminReport(
            False,
            catalogue.not_reloaded(len(result.errors), result.version),
            (say(catalogue.RELOAD_FIX_THEM),),
            say(catalogue.PROBLEMS_HEADING),
            result.errors,
        )
    if not result.changed:
        return AdminReport(
            True,
            catalogue.reloaded_unchanged(result.version),
            (say(catalogue.knowledge_counts(result.counts)),),
        )
    return AdminReport(
        True,
        catalogue.reloaded(result.version, result.previous),
        (say(catalogue.knowledge_counts(result.counts)), say(catalogue.RELOAD_SPREADS)),
    )


def status_report(
    status: KnowledgeStatus, viewer: Actor | None = None, *, mentions: bool = False
) -> AdminReport:
    """`mentions`: the viewer's platform can mention a user of their own workspace (Slack)."""
    facts = []
    active = status.active
    if active is not None:
        facts.append(
            catalogue.loaded_by(when(active.loaded_at), who_loaded(active, viewer, mentions))
        )
        if active.version != status.version:
            facts.append(say(catalogue.switching_to(active.version)))
    facts.append(say(catalogue.knowledge_counts(status.counts)))
    title = catalogue.knowledge_in_use(status.version)
    failed = status.failed_since
    if failed is None:
        return AdminReport(True, title, tuple(facts))
    errors_title = catalogue.last_reload_failed(
        when(failed.loaded_at), who_loaded(failed, viewer, mentions), len(failed.errors)
    )
    return AdminReport(True, title, tuple(facts), errors_title, failed.errors)


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def who_loaded(
    load: KnowledgeLoadRecord, viewer: Actor | None = None, mentions: bool = False
) -> str | Span:
    if load.platform == SERVER and load.actor == STARTUP:
        return catalogue.LOADED_AT_STARTUP
    if load.platform == SERVER and load.actor == FILE_WATCH:
        return catalogue.LOADED_BY_FILE_WATCH
    if load.platform == HTTP:
        return catalogue.LOADED_BY_TOKEN
    if (
        mentions
        and viewer is not None
        and (load.platform, load.workspace) == (viewer.platform, viewer.workspace)
    ):
        return mention(load.actor)
    return f"{load.actor} ({load.platform.capitalize()})"
