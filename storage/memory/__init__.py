"""The stores in process memory, for unit tests, benchmarks and throwaway console chats.

`MemoryStorage` is a `storage.Storage` like `storage.sql.SqlStorage`: one `MemoryDatabase`
(`storage.memory.database`: the dicts that stand for the tables) and small stores that
each receive it: `MemoryConversations`, `MemoryPulse`, `MemorySeries`, `MemoryReminders`,
`MemoryAdmin` and `MemoryLifecycle`.
They apply the same checks as the SQL stores and give the same answers (the contract tests in
`tests/storage/` run against both); nothing survives the process.
"""

from __future__ import annotations

from storage.memory.admin import MemoryAdmin
from storage.memory.conversations import MemoryConversations
from storage.memory.database import MemoryDatabase
from storage.memory.lifecycle import MemoryLifecycle
from storage.memory.pulse import MemoryPulse
from storage.memory.series import MemoryReminders, MemorySeries

__all__ = ["MemoryDatabase", "MemoryStorage"]


class MemoryStorage:
    """A `storage.Storage` in dicts. `database` may be shared with stores built beside it (a
    test's store that fails on purpose, say), which then see the same data."""

    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self.database = MemoryDatabase() if database is None else database
        self.conversations = MemoryConversations(self.database)
        self.pulse = MemoryPulse(self.database)
        self.series = MemorySeries(self.database)
        self.reminders = MemoryReminders(self.database)
        self.admin = MemoryAdmin(self.database)
        self.lifecycle = MemoryLifecycle(self.database)

    async def close(self) -> None:
        """Nothing to release; the data stays readable until the object is dropped."""
