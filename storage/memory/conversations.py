"""`ConversationStore` in process memory, for unit tests, benchmarks and throwaway console chats.

It keeps the database's semantics that callers rely on: optimistic versions, all-or-nothing
saves, JSON-shaped copies in and out (so a caller mutating a dict after saving changes
nothing). Its dicts are the shared `MemoryDatabase`'s.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from storage.checks.common import checked_count, json_copy
from storage.checks.conversations import checked_delivery, checked_reference, checked_turn
from storage.conversations import (
    AssessmentRecord,
    ConversationKey,
    StoredConversation,
    TurnStep,
)
from storage.errors import ConcurrentUpdateError, DuplicateDeliveryError
from storage.memory.database import MemoryDatabase


class MemoryConversations:
    """A `ConversationStore` over a `MemoryDatabase`."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._db = database

    async def load_conversation(self, key: ConversationKey) -> StoredConversation | None:
        return self._copy_of(key)

    def _copy_of(self, key: ConversationKey) -> StoredConversation | None:
        stored = self._db.conversations.get(key)
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
        checked = checked_turn(key, state, now, assessment)
        delivery = None if delivery_key is None else checked_delivery(delivery_key, now)
        stored = self._db.conversations.get(key)
        if (None if stored is None else stored.version) != expected_version:
            raise ConcurrentUpdateError("the conversation changed since it was loaded")
        if delivery is not None and delivery[0] in self._db.deliveries:
            raise DuplicateDeliveryError("this delivery was processed before")
        version = self._write(key, checked, expected_version)
        if delivery is not None:
            self._db.deliveries[delivery[0]] = delivery[1]
        return version

    def _write(
        self,
        key: ConversationKey,
        checked: tuple[dict[str, Any], datetime, AssessmentRecord | None],
        expected_version: int | None,
    ) -> int:
        """Write a turn `checked_turn` accepted over `expected_version`."""
        state, updated_at, record = checked
        version = 1 if expected_version is None else expected_version + 1
        self._db.conversations[key] = StoredConversation(key, state, version, updated_at)
        if record is not None:
            self._db.assessments.setdefault(key, []).append(record)
        return version

    async def run_turn(
        self,
        key: ConversationKey,
        step: TurnStep,
        now: datetime,
        delivery_key: str | None = None,
    ) -> int | None:
        delivery = None if delivery_key is None else checked_delivery(delivery_key, now)
        if delivery is not None and delivery[0] in self._db.deliveries:
            raise DuplicateDeliveryError("this delivery was processed before")
        # No await between the load and the save: nothing else can run in between.
        stored = self._copy_of(key)
        decided = step(stored)
        if decided.state is not None:
            expected_version = None if stored is None else stored.version
            checked = checked_turn(key, decided.state, now, decided.assessment)
            version: int | None = self._write(key, checked, expected_version)
        else:
            version = None
        if delivery is not None:
            self._db.deliveries[delivery[0]] = delivery[1]
        return version

    async def latest_assessment(self, key: ConversationKey) -> AssessmentRecord | None:
        history = await self.list_assessments(key, limit=1)
        return history[-1] if history else None

    async def list_assessments(
        self, key: ConversationKey, limit: int | None = None
    ) -> list[AssessmentRecord]:
        kept = None if limit is None else checked_count(limit)
        # sorted() is stable: equal times keep insertion order, like the SQL tie-break on id.
        history = sorted(self._db.assessments.get(key, []), key=lambda record: record.completed_at)
        if kept is not None:
            history = history[-kept:]
        return [_copy(record) for record in history]

    async def save_reference(
        self, key: ConversationKey, reference: dict[str, Any], now: datetime
    ) -> None:
        self._db.references[key] = checked_reference(reference, now)

    async def load_reference(self, key: ConversationKey) -> dict[str, Any] | None:
        stored = self._db.references.get(key)
        return None if stored is None else json_copy(stored[0], "reference")

    async def record_delivery(self, key: str, now: datetime) -> bool:
        key, received_at = checked_delivery(key, now)
        if key in self._db.deliveries:
            return False
        self._db.deliveries[key] = received_at
        return True


def _copy(record: AssessmentRecord) -> AssessmentRecord:
    return replace(record, answers=dict(record.answers), scores=dict(record.scores))
