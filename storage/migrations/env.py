"""Alembic's environment for the storage schema.

`storage.migrate` is the normal way in: it opens the connection itself (inside the caller's
event loop) and hands it over in `config.attributes["connection"]`. Run by the `alembic`
command instead, this builds its own engine from `sqlalchemy.url` or, failing that, the
DATABASE_URL environment variable. Logging is deliberately left alone: the application
configures it once at its entry point, and `fileConfig` would disable its loggers.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import open_engine
from storage.tables import metadata
from storage.url import DatabaseUrlError, normalize_database_url


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def configured_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise DatabaseUrlError("Set sqlalchemy.url or DATABASE_URL to run migrations.")
    return url


def run_offline(url: str) -> None:
    normalized = normalize_database_url(url)
    context.configure(
        url=normalized,
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=normalized.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone(url: str) -> None:
    engine = open_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


handed_over = context.config.attributes.get("connection")
if isinstance(handed_over, Connection):
    run_on(handed_over)
elif context.is_offline_mode():
    run_offline(configured_url())
else:
    asyncio.run(run_standalone(configured_url()))
