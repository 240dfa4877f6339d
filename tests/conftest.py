"""Fixtures shared by every test package."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
from storage.url import normalize_database_url, redacted, with_search_path

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 3.0

# What the advisor reads from the environment: every setting (pydantic-settings matches names
# in any case), and all of SLACK_* and MICROSOFT_*: slack_bolt reads SLACK_BOT_TOKEN and
# SLACK_SIGNING_SECRET on its own, and either family is what a developer exports for a platform.
APP_SETTINGS = frozenset(name.upper() for name in Settings.model_fields)
LIBRARY_PREFIXES = ("SLACK_", "MICROSOFT_")


@pytest.fixture(autouse=True)
def no_developer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the settings they set themselves: whatever the shell running them exports
    (SLACK_BOT_TOKEN, DATABASE_URL, ...) is removed, and no `.env` file is read from the working
    directory. TEST_DATABASE_URL and REQUIRE_POSTGRES, which choose the tests' own database, are
    not settings of the advisor and stay. Subprocesses inherit the cleaned environment."""
    for name in list(os.environ):
        if name.upper() in APP_SETTINGS or name.upper().startswith(LIBRARY_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setitem(Settings.model_config, "env_file", None)


# Names a test may resolve: everything the suite talks to runs on this machine.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Tests never reach beyond this machine: resolving any other host name fails at once
    (name resolution is where every client starts: aiohttp, requests, msal), and the test
    fails with the names it tried, unless it expects the attempt and clears the list."""
    attempts: list[str] = []
    resolve = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOOPBACK:
            attempts.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"no network in tests: {name}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    yield attempts
    assert attempts == [], f"a test tried to reach beyond this machine: {attempts}"


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
    from it through storage (`SqlStorage.from_url`, `storage.migrate`) creates and finds its
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
