"""Every implementation of the stores on every database we support, behind one fixture.

`storage` is a whole `Storage` (SQL on SQLite in a file and in memory, SQL on PostgreSQL, and
in memory); `conversations`, `pulse`, `admin` and `lifecycle` are its stores, for the tests
that use only one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Storage
from storage.admin import AdminStore
from storage.conversations import ConversationStore
from storage.lifecycle import LifecycleStore
from storage.memory import MemoryStorage
from storage.migrate import upgrade, upgrade_engine
from storage.pulse import PulseStore
from storage.sql import SqlStorage

IN_MEMORY_SQLITE = "sqlite://"

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite-file", id="sqlite-file"),
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file of the test's own, not yet created."""
    return f"sqlite:///{tmp_path / 'advisor.db'}"


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, sqlite_url: str) -> str | None:
    """The database URL of this backend, None for MemoryStorage.

    A plain (sync) fixture on purpose: only the PostgreSQL case asks for `postgres_url`, so
    an unreachable server skips just that case, and asking for an async fixture from inside
    another async fixture would re-enter the running event loop.
    """
    backend: str = request.param
    if backend == "memory":
        return None
    if backend == "sqlite-memory":
        return IN_MEMORY_SQLITE
    if backend == "sqlite-file":
        return sqlite_url
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def storage(backend_url: str | None) -> AsyncIterator[Storage]:
    """Migrated, empty storage; closed after the test."""
    storage = await _open(backend_url)
    try:
        yield storage
    finally:
        await storage.close()


@pytest.fixture
def conversations(storage: Storage) -> ConversationStore:
    return storage.conversations


@pytest.fixture
def pulse(storage: Storage) -> PulseStore:
    return storage.pulse


@pytest.fixture
def admin(storage: Storage) -> AdminStore:
    return storage.admin


@pytest.fixture
def lifecycle(storage: Storage) -> LifecycleStore:
    return storage.lifecycle


async def _open(url: str | None) -> Storage:
    if url is None:
        return MemoryStorage()
    if url == IN_MEMORY_SQLITE:
        # The database lives in the engine's one connection: migrate through it.
        storage = SqlStorage.from_url(url)
        await upgrade_engine(storage.database.engine)
        return storage
    await upgrade(url)
    return SqlStorage.from_url(url)
