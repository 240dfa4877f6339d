"""Every Repository implementation on every database we support, behind one fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.memory import MemoryRepository
from storage.migrate import upgrade, upgrade_engine
from storage.repository import Repository
from storage.sql import SqlRepository

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
    """The database URL of this backend, None for MemoryRepository.

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
async def repository(backend_url: str | None) -> AsyncIterator[Repository]:
    """A migrated, empty repository; closed after the test."""
    repository = await _open(backend_url)
    try:
        yield repository
    finally:
        await repository.close()


async def _open(url: str | None) -> Repository:
    if url is None:
        return MemoryRepository()
    if url == IN_MEMORY_SQLITE:
        # The database lives in the repository's one connection: migrate through it.
        repository = SqlRepository.from_url(url)
        await upgrade_engine(repository.engine)
        return repository
    await upgrade(url)
    return SqlRepository.from_url(url)
