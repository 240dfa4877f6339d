"""Knowledge administration, the same on every platform: reload, the admin's view of the
knowledge in use, who may, and the audit trail of all of it.

Adapters work out who the person is and whether the platform itself makes them an admin (a
Slack workspace admin or owner), then call `KnowledgeAdmin`, which records every action in the
audit log (refusals too) and hands back plain data; `reload_report` and `status_report` turn it
into the words every adapter shows, each in its own markup.
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
from storage.admin import AdminStore, AuditRecord, KnowledgeLoadRecord

log = logging.getLogger(__name__)

RELOAD = "knowledge.reload"
VIEW = "knowledge.view"
OK, FAILED, REFUSED = "ok", "failed", "refused"
# Whoever holds ADMIN_TOKEN (`advisor knowledge reload`, the admin endpoint).
HTTP = "http"
ADMIN_TOKEN = "admin-token"
TOKEN_ACTOR = Actor(HTTP, ADMIN_TOKEN)

NOT_ALLOWED = (
    "Sorry, only the advisor's admins can do that. If you look after the knowledge, ask "
    "whoever runs the advisor to add your user id to ADMIN_USERS."
)
SORRY = catalogue.SORRY


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
    (as code: `file:line: message`) under their own heading."""

    ok: bool
    title: str
    facts: tuple[str, ...] = ()
    errors_title: str = ""
    errors: tuple[str, ...] = ()


Mention = Callable[[str], str]


def reload_report(result: ReloadResult) -> AdminReport:
    if not result.ok:
        return AdminReport(
            False,
            f"The knowledge was not reloaded: {_problems(len(result.errors))} in the files. "
            f"Version {result.version} is still in use everywhere.",
            ("Fix them and reload again (`advisor knowledge check` lists the same problems).",),
            "Problems (file:line: message):",
            result.errors,
        )
    if not result.changed:
        return AdminReport(
            True,
            f"Reloaded: the files are unchanged, version {result.version} stays in use.",
            (counts_line(result.counts),),
        )
    return AdminReport(
        True,
        f"Reloaded: version {result.version} is now in use (was {result.previous}).",
        (
            counts_line(result.counts),
            "Every server process switches within a few seconds; conversations in progress "
            "carry on with the new version.",
        ),
    )


def status_report(
    status: KnowledgeStatus, viewer: Actor | None = None, mention: Mention | None = None
) -> AdminReport:
    """`mention` draws a user of the viewer's own platform and workspace (Slack's <@U…>)."""
    facts = []
    active = status.active
    if active is not None:
        facts.append(f"Loaded {when(active.loaded_at)} by {who_loaded(active, viewer, mention)}.")
        if active.version != status.version:
            facts.append(f"This process is switching to version {active.version} right now.")
    facts.append(counts_line(status.counts))
    failed = status.failed_since
    if failed is None:
        return AdminReport(True, f"Knowledge version {status.version} is in use.", tuple(facts))
    errors_title = (
        f"The last reload, {when(failed.loaded_at)} by "
        f"{who_loaded(failed, viewer, mention)}, failed with {_problems(len(failed.errors))} "
        "(the version above kept serving):"
    )
    return AdminReport(
        True,
        f"Knowledge version {status.version} is in use.",
        tuple(facts),
        errors_title,
        failed.errors,
    )


def counts_line(numbers: dict[str, int]) -> str:
    def n(key: str) -> int:
        return numbers.get(key, 0)

    return (
        f"{n('sources')} sources, {n('models')} models, {n('dimensions')} dimensions, "
        f"{n('questions')} questions ({n('pulse_questions')} in the pulse), "
        f"{n('snippets')} snippets."
    )


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def who_loaded(
    load: KnowledgeLoadRecord, viewer: Actor | None = None, mention: Mention | None = None
) -> str:
    if load.platform == SERVER and load.actor == STARTUP:
        return "a server starting with new files"
    if load.platform == SERVER and load.actor == FILE_WATCH:
        return "the file watch"
    if load.platform == HTTP:
        return "the admin endpoint (ADMIN_TOKEN)"
    if (
        mention is not None
        and viewer is not None
        and (load.platform, load.workspace) == (viewer.platform, viewer.workspace)
    ):
        return mention(load.actor)
    return f"{load.actor} ({load.platform.capitalize()})"


def _problems(count: int) -> str:
    return f"{count} problem{'s' if count != 1 else ''}"
