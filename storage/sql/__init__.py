"""The stores on SQLAlchemy: SQLite (aiosqlite) and PostgreSQL (asyncpg).

`SqlStorage` is the `storage.Storage` the application builds: one `Database`
(`storage.sql.database`: the engine, and the transaction helper that queues transactions and
turns database errors into StorageError) and four small stores that each receive it:
`SqlConversations` (`storage.sql.conversations`), `SqlPulse` (`storage.sql.pulse`, with the
dialect-specific statements in `storage.sql.pulse_statements` and the group commit of responses
in `storage.sql.response_batches`), `SqlAdmin` (`storage.sql.admin`) and `SqlLifecycle`
(`storage.sql.lifecycle`). Each call of a store is one transaction of the shared `Database`;
stores never call each other, so what spans concerns (an uninstall, forgetting a person) is
the lifecycle store's own transaction.
"""

from __future__ import annotations

from storage.sql.admin import SqlAdmin
from storage.sql.conversations import SqlConversations
from storage.sql.database import Database
from storage.sql.lifecycle import SqlLifecycle
from storage.sql.pulse import SqlPulse
from storage.sql.series import SqlReminders, SqlSeries

__all__ = ["Database", "SqlStorage"]


class SqlStorage:
    """A `storage.Storage` on one SQLAlchemy engine. Build it with `from_url`; the schema must
    exist (`storage.migrate.upgrade`, or `upgrade_engine(storage.database.engine)` for an
    in-memory SQLite database, which lives in that engine's one connection)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.conversations = SqlConversations(database)
        self.pulse = SqlPulse(database)
        self.series = SqlSeries(database)
        self.reminders = SqlReminders(database)
        self.admin = SqlAdmin(database)
        self.lifecycle = SqlLifecycle(database)

    @classmethod
    def from_url(cls, url: str, *, pool_size: int | None = None, echo: bool = False) -> SqlStorage:
        """Storage for any URL `storage.url.normalize_database_url` accepts."""
        return cls(Database.from_url(url, pool_size=pool_size, echo=echo))

    async def close(self) -> None:
        await self.database.close()
