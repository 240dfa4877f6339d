"""A `Repository` in process memory, for unit tests, benchmarks and throwaway console chats.

It keeps the database's semantics that callers rely on: optimistic versions, all-or-nothing
saves, JSON-shaped copies in and out (so a caller mutating a dict after saving changes
nothing). Each method runs without awaiting, so under one event loop it is atomic; it is not
meant to be shared between threads.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from storage.checks import (
    aware_utc,
    checked_count,
    checked_delivery,
    checked_reference,
    checked_turn,
    json_copy,
)
from storage.memory_admin import MemoryAdmin
from storage.memory_lifecycle import MemoryLifecycle
from storage.memory_pulse import MemoryPulse
from storage.repository import (
    AssessmentRecord,
    ConcurrentUpdateError,
    ConversationKey,
    DuplicateDeliveryError,
    StoredConversation,
)


class MemoryRepository(MemoryPulse, MemoryAdmin, MemoryLifecycle):
    """Conversations, assessments, conversation references, delivery keys, pulse surveys (see
    `storage.memory_pulse`), knowledge loads and the audit log (`storage.memory_admin`) in
    dicts and lists, forgetting and retention (`storage.memory_lifecycle`) over them; nothing
    survives the process."""

    def __init__(self) -> None:
        MemoryPulse.__init__(self)
        MemoryAdmin.__init__(self)
        self._conversations: dict[ConversationKey, StoredConversation] = {}
        self._assessments: dict[ConversationKey, list[AssessmentRecord]] = {}
        self._deliveries: dict[str, datetime] = {}
        # The reference and its time (which retention reads).
        self._references: dict[ConversationKey, tuple[dict[str, Any], datetime]] = {}

    async def load_conversation(self, key: ConversationKey) -> StoredConversation | None:
        stored = self._conversations.get(key)
        if stored is None:
            return None
        return replace(stored, state=json_copy(stored.state, "state"))

    async def save_turn(
        self,
        key: ConversationKey,
        state: dict[str, Any],
        expected_version: int | None,
        now: datetime,
        assessment: AssessmentRecord | None = None,
        delivery_key: str | None = None,
    ) -> int:
        saved_state, updated_at, record = checked_turn(key, state, now, assessment)
        delivery = None if delivery_key is None else checked_delivery(delivery_key, now)
        stored = self._conversations.get(key)
        if (None if stored is None else stored.version) != expected_version:
            raise ConcurrentUpdateError("the conversation changed since it was loaded")
        if delivery is not None:
            if delivery[0] in self._deliveries:
                raise DuplicateDeliveryError("this delivery was processed before")
            self._deliveries[delivery[0]] = delivery[1]
        version = 1 if expected_version is None else expected_version + 1
        self._conversations[key] = StoredConversation(key, saved_state, version, updated_at)
        if record is not None:
            self._assessments.setdefault(key, []).append(record)
        return version

    async def latest_assessment(self, key: ConversationKey) -> AssessmentRecord | None:
        history = await self.list_assessments(key)
        return history[-1] if history else None

    async def list_assessments(self, key: ConversationKey) -> list[AssessmentRecord]:
        # sorted() is stable: equal times keep insertion order, like the SQL tie-break on id.
        history = sorted(self._assessments.get(key, []), key=lambda record: record.completed_at)
        return [_copy(record) for record in history]

    async def save_reference(
        self, key: ConversationKey, reference: dict[str, Any], now: datetime
    ) -> None:
        self._references[key] = checked_reference(reference, now)

    async def load_reference(self, key: ConversationKey) -> dict[str, Any] | None:
        stored = self._references.get(key)
        return None if stored is None else json_copy(stored[0], "reference")

    async def record_delivery(self, key: str, now: datetime) -> bool:
        key, received_at = checked_delivery(key, now)
        if key in self._deliveries:
            return False
        self._deliveries[key] = received_at
        return True

    async def purge_deliveries(self, before: datetime, limit: int | None = None) -> int:
        cutoff = aware_utc(before, "before")
        if limit is not None:
            checked_count(limit)
        old = sorted(
            (received_at, key)
            for key, received_at in self._deliveries.items()
            if received_at < cutoff
        )
        for _received_at, key in old[:limit]:
            del self._deliveries[key]
        return len(old[:limit])

    async def delete_workspace(self, platform: str, workspace: str) -> int:
        def of_workspace(key: ConversationKey) -> bool:
            return (key.platform, key.workspace) == (platform, workspace)

        deleted = 0
        for key in [key for key in self._conversations if of_workspace(key)]:
            del self._conversations[key]
            deleted += 1
        for key in [key for key in self._assessments if of_workspace(key)]:
            deleted += len(self._assessments.pop(key))
        for key in [key for key in self._references if of_workspace(key)]:
            del self._references[key]
            deleted += 1
        return deleted + self._delete_workspace_surveys(platform, workspace)

    async def close(self) -> None:
        """Nothing to release; the data stays readable until the object is dropped."""


def _copy(record: AssessmentRecord) -> AssessmentRecord:
    return replace(record, answers=dict(record.answers), scores=dict(record.scores))
