"""A conversation's state: small, serialisable, and valid against any knowledge version.

Answers are keyed by question id and the current question is derived (the first question of the
knowledge not yet answered or skipped), so a reload that adds, removes or reorders questions
never leaves a conversation pointing at something that no longer exists.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class Phase(StrEnum):
    IDLE = "idle"
    ASKING = "asking"
    DONE = "done"


class ConversationState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    phase: Phase = Phase.IDLE
    # question id -> option id; None records a skipped question.
    answers: dict[str, str | None] = {}
    # Questions in the order they were answered or skipped, so `back` can undo the last one.
    order: tuple[str, ...] = ()
    # Options offered in a clarification of the current question, if one is open.
    pending: tuple[str, ...] = ()
    started_at: datetime | None = None
    completed_at: datetime | None = None
    knowledge_version: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ConversationState:
        """Restore a saved state; an unreadable one starts afresh rather than failing."""
        if not data:
            return cls()
        try:
            return cls.model_validate(data)
        except ValidationError:
            return cls()
