"""A conversation's state: small, serialisable, and valid against any knowledge version.

Answers are keyed by question id and the current question is derived (the first question of the
knowledge not yet answered or skipped), so a reload that adds, removes or reorders questions
never leaves a conversation pointing at something that no longer exists. What the user was last
shown is kept too (`shown`, `shown_form`): an answer is meant for the question on the screen, and
a reload may have removed or changed that question since it was drawn.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.knowledge.model import Question


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
    # The question last put on the user's screen (asked or clarified) while asking, and its
    # `screen_form` then. None in states saved before this was kept: the current question is
    # taken for the one on screen, as it was then.
    shown: str | None = None
    shown_form: str | None = None
    # Snippets already echoed after an answer in this run: none is echoed twice.
    echoed: tuple[str, ...] = ()

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


def screen_form(question: Question) -> str:
    """A digest of what an answer to `question` refers to: its prompt and its options' ids,
    labels and order (a typed "2" or "b" means a position). Synonyms and weights are left out:
    they change how text is matched or scored, not what the user was looking at."""
    digest = hashlib.blake2b(digest_size=8)
    for part in (question.prompt, *(f"{o.id}\0{o.label}" for o in question.options)):
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()
