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

from storage.checks import checked_turn, json_copy
from storage.repository import (
    AssessmentRecord,
    ConcurrentUpdateError,
    ConversationKey,
    StoredConversation,
)


class MemoryRepository:
    """Conversations and assessments in dicts; nothing survives the process."""

    def __init__(self) -> None:
        self._conversations: dict[ConversationKey, StoredConversation] = {}
        self._assessments: dict[ConversationKey, list[AssessmentRecord]] = {}

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
    ) -> int:
        saved_state, updated_at, record = checked_turn(key, state, now, assessment)
        stored = self._conversations.get(key)
        if (None if stored is None else stored.version) != expected_version:
            raise ConcurrentUpdateError("the conversation changed since it was loaded")
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

    async def close(self) -> None:
        """Nothing to release; the data stays readable until the object is dropped."""


def _copy(record: AssessmentRecord) -> AssessmentRecord:
    return replace(record, answers=dict(record.answers), scores=dict(record.scores))
