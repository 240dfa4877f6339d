"""The PostgreSQL of the benchmarks: a local server only, a scratch schema per run, and
its backends watched while a burst runs (their CPU, and what they were doing)."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

from bench.harness.measure import cpu_seconds
from storage.url import normalize_database_url, redacted, with_search_path

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
PG_CONNECT_TIMEOUT_SECONDS = 3.0
PG_SAMPLE_SECONDS = 0.2


def local_postgres(url: str) -> str | None:
    """Why `url` cannot be used here (not PostgreSQL, or not on this machine), or None."""
    try:
        parsed = make_url(normalize_database_url(url))
    except Exception as error:
        return f"unusable URL ({type(error).__name__})"
    if parsed.get_backend_name() != "postgresql":
        return "not a PostgreSQL URL"
    if (parsed.host or "") not in LOCAL_HOSTS:
        return "not on 127.0.0.1 (this benchmark never reaches beyond it)"
    return None


def libpq_dsn(url: str) -> str:
    parsed = make_url(normalize_database_url(url)).set(drivername="postgresql", query={})
    return parsed.render_as_string(hide_password=False)


def schema_url(base: str, schema: str, application: str) -> str:
    """`base` working in `schema`, its connections named `application` in pg_stat_activity."""
    url = make_url(with_search_path(base, schema))
    options = f"-csearch_path={schema} -capplication_name={application}"
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


async def admin_connection(base: str) -> asyncpg.Connection:
    connection: asyncpg.Connection = await asyncpg.connect(
        libpq_dsn(base),
        timeout=PG_CONNECT_TIMEOUT_SECONDS,
        server_settings={"lock_timeout": "10s", "application_name": "advisor-bench-admin"},
    )
    return connection


@asynccontextmanager
async def fresh_schema(admin: asyncpg.Connection, prefix: str) -> AsyncIterator[str]:
    schema = f"{prefix}_{secrets.token_hex(5)}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


class Backends:
    """The PostgreSQL backends serving connections named `application`, sampled every
    PG_SAMPLE_SECONDS while a burst runs: their CPU from /proc (pooled backends live long; one
    that starts during the burst counts from zero, one that ends loses at most an interval),
    and what each was doing (pg_stat_activity: running, waiting for a lock or the disk, or
    waiting for the server process, i.e. for Python)."""

    def __init__(self, admin: asyncpg.Connection, application: str) -> None:
        self._admin = admin
        self._application = application
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._states: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    async def _sample(self, starting: bool) -> None:
        rows = await self._admin.fetch(
            "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE application_name = $1",
            self._application,
        )
        for row in rows:
            pid = int(row["pid"])
            if not starting:
                self._states[backend_state(row["state"], row["wait_event_type"])] += 1
            try:
                used = cpu_seconds(pid)
            except (OSError, IndexError, ValueError):
                continue
            self._first.setdefault(pid, used if starting else 0.0)
            self._last[pid] = used

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(PG_SAMPLE_SECONDS)
            await self._sample(starting=False)

    async def start(self) -> None:
        self._first, self._last, self._states = {}, {}, Counter()
        await self._sample(starting=True)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> tuple[float, dict[str, float]]:
        """CPU seconds used since start, and the share of samples in each state."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._sample(starting=False)
        cpu = sum(self._last[pid] - self._first[pid] for pid in self._last)
        seen = sum(self._states.values()) or 1
        return cpu, {state: n / seen for state, n in self._states.most_common()}


def backend_state(state: str | None, wait: str | None) -> str:
    if state == "active":
        return f"waiting ({wait})" if wait else "running"
    if state == "idle in transaction":
        return "in a transaction, waiting for Python"
    if state == "idle":
        return "idle in the pool"
    return str(state)


async def postgres_admin(url: str | None) -> tuple[asyncpg.Connection | None, str]:
    if url is None:
        return None, "skipped (--no-postgres)"
    refused = local_postgres(url)
    if refused is not None:
        return None, f"skipped: {redacted(url)} is {refused}"
    try:
        return await admin_connection(url), redacted(url)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return None, f"skipped: not reachable at {redacted(url)} ({type(error).__name__})"
