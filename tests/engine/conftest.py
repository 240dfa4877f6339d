from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import pytest

from bot.engine.dialogue import handle
from bot.engine.replies import Reply
from bot.engine.state import ConversationState
from bot.engine.turn import Choice, Command, Turn
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge

T = TypeVar("T")
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


class Conversation:
    """Drives the pure engine turn by turn, keeping the state like the service would."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.state = ConversationState()
        self.replies: list[Reply] = []

    def send(
        self,
        text: str = "",
        *,
        choice: Choice | None = None,
        command: Command | None = None,
        argument: str = "",
    ) -> list[Reply]:
        turn = Turn(now=NOW, text=text, choice=choice, command=command, argument=argument)
        self.state, self.replies = handle(self.state, turn, self.knowledge)
        return self.replies

    def of(self, kind: type[T]) -> list[T]:
        return [reply for reply in self.replies if isinstance(reply, kind)]


@pytest.fixture
def chat(knowledge: Knowledge) -> Conversation:
    return Conversation(knowledge)
