"""`LifecycleStore` in process memory: forgetting, deleting a workspace and purging over the
`MemoryDatabase`'s dicts, with the same checks, order and counts as `storage.sql.lifecycle`. No
method awaits, so under one event loop each call is atomic, like the SQL transaction it stands
for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import TypeVar

from storage.admin import LoadOutcome
from storage.checks.common import aware_utc, checked_count, json_copy
from storage.checks.pulse import checked_respondent_key
from storage.conversations import ConversationKey
from storage.lifecycle import NO_LAUNCHER, NOBODY, RETIRED_ACTOR, Forgotten
from storage.memory.database import MemoryDatabase
from storage.pulse import SurveyStatus

T = TypeVar("T")


class MemoryLifecycle:
    """A `LifecycleStore` over a `MemoryDatabase`: it reads and changes every concern's dicts,
    as the SQL version's transactions span every table."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    async def forget_user(
        self,
        key: ConversationKey,
        *,
        respondent_key: Callable[[str], str] | None = None,
        member_key: Callable[[str], str] | None = None,
        launcher_key: str | None = None,
        delivery_prefix: str | None = None,
    ) -> Forgotten:
        if launcher_key is not None:
            checked_respondent_key(launcher_key, "launcher key")
        conversation = self._db.conversations.pop(key, None)
        surveys = [
            stored
            for stored in self._db.surveys.values()
            if (stored.record.platform, stored.record.workspace) == (key.platform, key.workspace)
        ]
        answers = launched = 0
        for stored in surveys:
            survey_id = stored.record.id
            responses = self._db.responses.get(survey_id, {})
            respondent = None if respondent_key is None else respondent_key(survey_id)
            if respondent is not None and respondent in responses:
                del responses[respondent]
                answers += 1
            marks = self._db.marks.get(survey_id, {})
            member = None if member_key is None else member_key(survey_id)
            if member is not None and member in marks:
                del marks[member]
                answers += 1
            if launcher_key is not None and stored.record.launcher_key == launcher_key:
                stored.record = replace(stored.record, launcher_key=NOBODY)
                launched += 1
        for series in list(self._db.series.values()):
            if launcher_key is None or series.launcher_key != launcher_key:
                continue
            if (series.platform, series.workspace) == (key.platform, key.workspace):
                unlinked = replace(series, launcher_key=NOBODY, launcher=NO_LAUNCHER)
                self._db.series[series.id] = unlinked
                launched += 1
        deliveries = 0
        if delivery_prefix:
            for delivery in [d for d in self._db.deliveries if d.startswith(delivery_prefix)]:
                del self._db.deliveries[delivery]
                deliveries += 1
        who = (key.platform, key.workspace, key.user)
        admin_records = sum(
            (entry.platform, entry.workspace, entry.actor) == who
            for entry in self._db.audit.values()
        ) + sum(
            (load.platform, load.workspace, load.actor) == who for load in self._db.loads.values()
        )
        return Forgotten(
            conversation=None if conversation is None else json_copy(conversation.state, "state"),
            assessments=len(self._db.assessments.pop(key, [])),
            references=int(self._db.references.pop(key, None) is not None),
            survey_answers=answers,
            launched_surveys=launched,
            deliveries=deliveries,
            admin_records=admin_records,
        )

    async def delete_workspace(self, platform: str, workspace: str) -> int:
        def of_workspace(key: ConversationKey) -> bool:
            return (key.platform, key.workspace) == (platform, workspace)

        deleted = 0
        for key in [key for key in self._db.conversations if of_workspace(key)]:
            del self._db.conversations[key]
            deleted += 1
        for key in [key for key in self._db.assessments if of_workspace(key)]:
            deleted += len(self._db.assessments.pop(key))
        for key in [key for key in self._db.references if of_workspace(key)]:
            del self._db.references[key]
            deleted += 1
        # The rows the SQL tables would lose: each survey and its responses.
        gone = [
            survey_id
            for survey_id, stored in self._db.surveys.items()
            if (stored.record.platform, stored.record.workspace) == (platform, workspace)
        ]
        for survey_id in gone:
            del self._db.surveys[survey_id]
            deleted += 1 + len(self._db.responses.pop(survey_id, {}))
            deleted += len(self._db.marks.pop(survey_id, {}))
        for series_id, series in list(self._db.series.items()):
            if (series.platform, series.workspace) == (platform, workspace):
                del self._db.series[series_id]
                deleted += 1
        return deleted

    async def purge_conversations(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(limit)
        # Insertion order stands for the id order of the table.
        stale = _first(
            (key for key, stored in self._db.conversations.items() if stored.updated_at < cutoff),
            limit,
        )
        for key in stale:
            del self._db.conversations[key]
        idle = _first(
            (
                key
                for key, (_reference, updated_at) in self._db.references.items()
                if updated_at < cutoff and not self._active_since(key, cutoff)
            ),
            limit,
        )
        for key in idle:
            del self._db.references[key]
        return len(stale) + len(idle)

    async def purge_assessments(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        left = checked_count(limit)
        for key in list(self._db.assessments):
            history = self._db.assessments[key]
            old = [record for record in history if record.completed_at < cutoff][:left]
            if old:
                gone = {id(record) for record in old}
                kept = [record for record in history if id(record) not in gone]
                self._db.assessments[key] = kept
                left -= len(old)
            if not left:
                break
        return limit - left

    async def purge_deliveries(self, before: datetime, limit: int | None = None) -> int:
        cutoff = aware_utc(before, "before")
        if limit is not None:
            checked_count(limit)
        old = sorted(
            (received_at, key)
            for key, received_at in self._db.deliveries.items()
            if received_at < cutoff
        )
        for _received_at, key in old[:limit]:
            del self._db.deliveries[key]
        return len(old[:limit])

    async def purge_survey_responses(self, closed_before: datetime, limit: int) -> int:
        cutoff = aware_utc(closed_before, "closed_before")
        left = checked_count(limit)
        for survey_id in sorted(self._closed_before(cutoff)):
            responses = self._db.responses.get(survey_id, {})
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
            del self._db.surveys[survey_id]
            deleted += 1 + len(self._db.responses.pop(survey_id, {}))
        return deleted

    async def purge_knowledge_loads(self, before: datetime, keep: int, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(keep, "keep")
        checked_count(limit)
        ok = [load_id for load_id, load in self._db.loads.items() if load.outcome is LoadOutcome.OK]
        latest = set(ok[-keep:])
        old = [
            load_id
            for load_id, load in self._db.loads.items()
            if load.loaded_at < cutoff and load_id not in latest
        ]
        failed = _first((i for i in old if self._db.loads[i].outcome is LoadOutcome.FAILED), limit)
        for load_id in failed:
            del self._db.loads[load_id]
        repeated = _first((i for i in old if i in self._db.loads and self._superseded(i)), limit)
        for load_id in repeated:
            del self._db.loads[load_id]
        to_retire = _first(
            (
                i
                for i in old
                if i in self._db.loads
                and self._db.loads[i].outcome is LoadOutcome.OK
                and self._db.loads[i].actor != RETIRED_ACTOR
            ),
            limit,
        )
        for load_id in to_retire:
            self._db.loads[load_id] = replace(
                self._db.loads[load_id], files={}, counts={}, actor=RETIRED_ACTOR, workspace=None
            )
        return len(failed) + len(repeated) + len(to_retire)

    async def purge_audit(self, before: datetime, limit: int) -> int:
        cutoff = aware_utc(before, "before")
        checked_count(limit)
        old = _first((i for i, entry in self._db.audit.items() if entry.at < cutoff), limit)
        for entry_id in old:
            del self._db.audit[entry_id]
        return len(old)

    def _active_since(self, key: ConversationKey, cutoff: datetime) -> bool:
        stored = self._db.conversations.get(key)
        return stored is not None and stored.updated_at >= cutoff

    def _closed_before(self, cutoff: datetime) -> list[str]:
        return [
            survey_id
            for survey_id, stored in self._db.surveys.items()
            if stored.record.status is SurveyStatus.CLOSED
            and stored.record.closed_at is not None
            and stored.record.closed_at < cutoff
        ]

    def _superseded(self, load_id: int) -> bool:
        """A later successful load has this successful load's version."""
        load = self._db.loads[load_id]
        return load.outcome is LoadOutcome.OK and any(
            later_id > load_id and later.outcome is LoadOutcome.OK and later.version == load.version
            for later_id, later in self._db.loads.items()
        )


def _first(items: Iterable[T], limit: int) -> list[T]:
    return list(islice(items, limit))
