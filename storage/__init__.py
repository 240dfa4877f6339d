"""Everything the advisor keeps, behind one `Storage` made of four stores.

The layout, top-down:

- Here, and in one small module per concern, the contract: protocols and records, no
  implementation. `storage.conversations` (`ConversationStore`: conversation state, completed
  assessments, delivery keys, Teams conversation references), `storage.pulse` (`PulseStore`:
  team pulse surveys and their anonymous responses), `storage.series` (`SeriesStore`: recurring
  pulses and their rounds), `storage.reminders` (`ReminderStore`: who of an open survey's channel
  answered or was reminded, as keyed hashes only), `storage.admin` (`AdminStore`: knowledge
  loads and the audit log), `storage.lifecycle` (`LifecycleStore`: forgetting a person,
  deleting a workspace, retention purges), and `storage.errors`.
- `storage.checks`: the argument checks both implementations apply, so they accept and refuse
  the same calls.
- `storage.sql`: the stores on SQLAlchemy (SQLite and PostgreSQL), each a small class over one
  `storage.sql.database.Database`, which owns the engine and the one transaction helper.
- `storage.memory`: the same stores in process memory (tests, benchmarks, throwaway console
  chats), each over one `storage.memory.database.MemoryDatabase`, which owns the dicts.
- The database itself: `storage.url` (the URLs people paste), `storage.engine` (how an engine
  is opened), `storage.tables` (the schema), `storage.migrate` and `storage/migrations/`.

Why a composition of stores rather than one repository class: each service depends on the one
store it uses (`AdvisorService` on a `ConversationStore`, `PulseService` on a `PulseStore`,
...), so its type says what it can touch, a test fakes one store rather than forty methods, and
a call site reads `storage.pulse.close_survey(...)`, naming the concern. The alternative, one
facade that delegates every method, would repeat each signature a second time and still hide
which concern a call belongs to. Stores share a database object, never each other's private
state: the SQL stores share the engine and its transactions, the in-memory ones the dicts, and
the one operation that spans concerns (`LifecycleStore`) is a store of its own.

One contract test suite (`tests/storage/`) runs against every implementation: SQLite (a file
and in memory), PostgreSQL and the in-memory one.
"""

from __future__ import annotations

from typing import Protocol

from storage.admin import AdminStore
from storage.conversations import ConversationStore
from storage.lifecycle import LifecycleStore
from storage.pulse import PulseStore
from storage.reminders import ReminderStore
from storage.series import SeriesStore


class Storage(Protocol):
    """The four stores over one database (`storage.sql.SqlStorage`,
    `storage.memory.MemoryStorage`). The application builds one and hands each service the
    store it needs; `close` releases the database's connections."""

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def pulse(self) -> PulseStore: ...

    @property
    def series(self) -> SeriesStore: ...

    @property
    def reminders(self) -> ReminderStore: ...

    @property
    def admin(self) -> AdminStore: ...

    @property
    def lifecycle(self) -> LifecycleStore: ...

    async def close(self) -> None:
        """Release the database's connections; the stores are not to be used afterwards."""
        ...
