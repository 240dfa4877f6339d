"""Fixtures shared by every test package."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage.url import normalize_database_url, redacted, with_search_path

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 3.0

# Why the server was unreachable, per URL: later tests skip at once instead of each waiting
# for its own connect timeout.
_unreachable: dict[str, str] = {}


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A PostgreSQL URL whose every connection works in a fresh, empty schema of its own.

    The server comes from TEST_DATABASE_URL (default: the local trust-auth `test` database).
    The yielded URL is normalised (`postgresql+asyncpg://`) and ends in
    `?options=-csearch_path%3Dadv_test_<hex>`: libpq's way of choosing a schema, which
    `storage.url.connect_arguments` turns into asyncpg's `server_settings`. So everything built
    from it through storage (`SqlRepository.from_url`, `storage.migrate`) creates and finds its
    tables in that schema, Alembic's version table included, and parallel tests never meet.
    The schema is dropped, with everything in it, afterwards.

    An unreachable server skips the test, or fails it when REQUIRE_POSTGRES=1 (CI sets that so
    PostgreSQL coverage cannot silently disappear).
    """
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    admin = await _connect_or_skip(base)
    schema = f"adv_test_{secrets.token_hex(6)}"
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield with_search_path(base, schema)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


async def _connect_or_skip(url: str) -> asyncpg.Connection:
    if url not in _unreachable:
        dsn = make_url(normalize_database_url(url)).set(drivername="postgresql")
        try:
            return await asyncpg.connect(
                dsn.render_as_string(hide_password=False),
                timeout=CONNECT_TIMEOUT_SECONDS,
                # A test that leaked an open transaction must not hang the schema drop.
                server_settings={"lock_timeout": "10s"},
            )
        except (OSError, asyncpg.PostgresError) as exc:
            _unreachable[url] = type(exc).__name__
    message = (
        f"PostgreSQL not reachable at {redacted(url)} ({_unreachable[url]}); set TEST_DATABASE_URL"
    )
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{message} (REQUIRE_POSTGRES=1 forbids skipping)", pytrace=False)
    pytest.skip(message)
