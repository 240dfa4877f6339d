"""The `LifecycleRepository` half of `MemoryRepository`: forgetting and purging over its dicts,
with the same checks, order and counts as `storage.sql_lifecycle`. No method awaits, so under
one event loop each call is atomic, like the SQL transaction it stands for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from storage.admin import AuditRecord, KnowledgeLoadRecord, LoadOutcome
from storage.checks import aware_utc, checked_count, checked_respondent_key, json_copy
from storage.lifecycle import NOBODY, RETIRED_ACTOR, Forgotten
from storage.memory_pulse import _Stored
from storage.pulse import SurveyStatus
from storage.repository import AssessmentRecord, ConversationKey, StoredConversation

T = TypeVar("T")


class MemoryLifecycle:
    """Mixed into `MemoryRepository`, whose dicts (declared here for the type checker) it
    reads and changes."""

    _conversations: dict[ConversationKey, StoredConversation]
    _assessments: dict[ConversationKey, list[AssessmentRecord]]
    _references: dict[ConversationKey, tuple[dict[str, Any], datetime]]
    _deliveries: dict[str, datetime]
    _surveys: dict[str, _Stored]
    _responses: dict[str, dict[str, dict[str, str]]]
    _loads: dict[int, KnowledgeLoadRecord]
    _audit: dict[int, AuditRecord]

    async def forget_user(
        self,
        key: ConversationKey,
        *,
        respondent_key: Callable[[str], str] | None = None,
        launcher_key: str | None = None,
        delivery_prefix: str | None = None,
    ) -> Forgotten:
        if launcher_key is not None:
            checked_respondent_key(launcher_key, "launcher key")
        conversation = self._conversations.pop(key, None)
        surveys = [
            stored
            for stored in self._surveys.values()
            if (stored.record.platform, stored.record.workspace) == (key.platform, key.workspace)
        ]
        answers = launched = 0
        for stored in surveys:
            survey_id = stored.record.id
            responses = self._responses.get(survey_id, {})
            respondent = None if respondent_key is None else respondent_key(survey_id)
            if respondent is not None and respondent in responses:
                del responses[respondent]
                answers += 1
            if launcher_key is not None and stored.record.launcher_key == launcher_key:
                stored.record = replace(stored.record, launcher_key=NOBODY)
                launched += 1
        deliveries = 0
        if delivery_prefix:
            for delivery in [d for d in self._deliveries if d.startswith(delivery_prefix)]:
                del self._deliveries[delivery]
                deliveries += 1
        who = (key.platform, key.workspace, key.user)
        admin_records = sum(
            (entry.platform, entry.workspace, entry.actor) == who for entry in self._audit.values()
        ) + sum((load.platform, load.workspace, load.actor) == who for load in self._loads.values())
        return Forgotten(
            conversation=None if conversation is None else json_copy(conversation.state, "state"),
            assessments=len(self._assessments.pop(key, [])),
            references=int(self._references.pop(key, None) is not None),
            survey_answers=answers,
            launched_surveys=launched,
            deliveries=deliveries,
            admin_records=admin_records,
        )

    async def purge_conversations(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(limit)
        # Insertion order stands for the id order of the table.
        stale = _first(
            (key for key, stored in self._conversations.items() if stored.updated_at < cutoff),
            limit,
        )
        for key in stale:
            del self._conversations[key]
        idle = _first(
            (
                key
                for key, (_reference, updated_at) in self._references.items()
                if updated_at < cutoff and not self._active_since(key, cutoff)
            ),
            limit,
        )
        for key in idle:
            del self._references[key]
        return len(stale) + len(idle)

    async def purge_assessments(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        left = checked_count(limit)
        for key in list(self._assessments):
            history = self._assessments[key]
            old = [record for record in history if record.completed_at < cutoff][:left]
            if old:
                gone = {id(record) for record in old}
                kept = [record for record in history if id(record) not in gone]
                self._assessments[key] = kept
                left -= len(old)
            if not left:
                break
        return limit - left

    async def purge_survey_responses(self, closed_before: datetime, limit: int) -> int:
        cutoff = aware_utc(closed_before, "closed_before")
        left = checked_count(limit)
        for survey_id in sorted(self._closed_before(cutoff)):
            responses = self._responses.get(survey_id, {})
            for respondent in sorted(responses)[:left]:
                del responses[respondent]
                left -= 1
            if not left:
                break
        return limit - left

    async def purge_surveys(self, closed_before: datetime, limit: int) -> int:
        cutoff = aware_utc(closed_before, "closed_before")
        checked_count(limit)
        deleted = 0
        for survey_id in sorted(self._closed_before(cutoff))[:limit]:
            del self._surveys[survey_id]
            deleted += 1 + len(self._responses.pop(survey_id, {}))
        return deleted

    async def purge_knowledge_loads(self, before: datetime, keep: int, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(keep, "keep")
        checked_count(limit)
        ok = [load_id for load_id, load in self._loads.items() if load.outcome is LoadOutcome.OK]
        latest = set(ok[-keep:])
        old = [
            load_id
            for load_id, load in self._loads.items()
            if load.loaded_at < cutoff and load_id not in latest
        ]
        failed = _first((i for i in old if self._loads[i].outcome is LoadOutcome.FAILED), limit)
        for load_id in failed:
            del self._loads[load_id]
        repeated = _first((i for i in old if i in self._loads and self._superseded(i)), limit)
        for load_id in repeated:
            del self._loads[load_id]
        to_retire = _first(
            (
                i
                for i in old
                if i in self._loads
                and self._loads[i].outcome is LoadOutcome.OK
                and self._loads[i].actor != RETIRED_ACTOR
            ),
            limit,
        )
        for load_id in to_retire:
            self._loads[load_id] = replace(
                self._loads[load_id], files={}, counts={}, actor=RETIRED_ACTOR, workspace=None
            )
        return len(failed) + len(repeated) + len(to_retire)

    async def purge_audit(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(limit)
        old = _first((i for i, entry in self._audit.items() if entry.at < cutoff), limit)
        for entry_id in old:
            del self._audit[entry_id]
        return len(old)

    def _active_since(self, key: ConversationKey, cutoff: datetime) -> bool:
        stored = self._conversations.get(key)
        return stored is not None and stored.updated_at >= cutoff

    def _closed_before(self, cutoff: datetime) -> list[str]:
        return [
            survey_id
            for survey_id, stored in self._surveys.items()
            if stored.record.status is SurveyStatus.CLOSED
            and stored.record.closed_at is not None
            and stored.record.closed_at < cutoff
        ]

    def _superseded(self, load_id: int) -> bool:
        """A later successful load has this successful load's version."""
        load = self._loads[load_id]
        return load.outcome is LoadOutcome.OK and any(
            later_id > load_id and later.outcome is LoadOutcome.OK and later.version == load.version
            for later_id, later in self._loads.items()
        )


def _first(items: Iterable[T], limit: int) -> list[T]:
    return list(islice(items, limit))
