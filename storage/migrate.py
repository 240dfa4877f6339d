"""Apply and inspect the schema migrations from code, with no alembic.ini.

Callers are already inside an event loop (the CLI, the server, tests), so these functions do
not let Alembic start its own: they open an async connection and run Alembic's synchronous
command on it through `run_sync`, handing the connection to `migrations/env.py` in
`config.attributes` (Alembic's documented recipe for sharing a connection under asyncio).
The migration scripts ship inside this package and are found next to this file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import open_engine

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant bigint shared by every process of the advisor: "advisor" in ASCII.
_LOCK_KEY = 0x61_64_76_69_73_6F_72


def alembic_config(url: str | None = None) -> Config:
    """A Config pointing at the packaged migrations; `url` is only needed by the `alembic`
    command-line path of env.py (offline SQL, or its own engine)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # Config is a ConfigParser: a percent-encoded password would read as interpolation.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    engine = open_engine(url)
    try:
        await upgrade_engine(engine, revision)
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision` ("base" removes every table)."""
    engine = open_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run, command.downgrade, revision)
    finally:
        await engine.dispose()


async def current(url: str) -> str | None:
    """The revision the database at `url` is at, or None when it was never migrated."""
    engine = open_engine(url)
    try:
        return await current_engine(engine)
    finally:
        await engine.dispose()


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate through an existing engine: the only way to reach an in-memory SQLite
    database, which lives in that engine's one connection.

    On PostgreSQL, processes that start together on a fresh database would both create
    Alembic's version table and one would fail; a session advisory lock makes them take turns
    (the second then finds the schema at head). SQLite's own write lock does the same there.
    """
    async with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
            await connection.commit()
        try:
            await connection.run_sync(_run, command.upgrade, revision)
        finally:
            if postgres:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY}
                )
                await connection.commit()


async def current_engine(engine: AsyncEngine) -> str | None:
    """`current`, through an existing engine."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revision)


def _run(connection: Connection, step: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    step(config, revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
