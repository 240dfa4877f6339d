"""The advisor configurations a pulse benchmark bursts: one process on SQLite, and one and two
processes on a scratch PostgreSQL schema, each with a storage of this process's own to count
and close; and the environment their servers get."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from bench.harness.postgres import Backends, fresh_schema, schema_url
from bench.harness.processes import Processes, Server
from bench.pulse.plan import tally_problems
from storage.pulse import SurveyTally
from storage.sql import SqlStorage

SERVER_APP_NAME = "advisor-bench-server"  # application_name of the servers' connections
# Settings of this shell the servers do not inherit either (`server_env` drops Slack's, the
# database's and the knowledge's): the pulse timers run at their defaults.
NOT_INHERITED = (
    "PULSE_",
    "SURVEY_",
    "ADMIN_",
    "MICROSOFT_",
    "METRICS_",
    "RETENTION_",
    "SHUTDOWN_",
    "LOG_FORMAT",
)


@dataclass
class Target:
    """One advisor configuration: its database and the server processes the client uses."""

    name: str  # "sqlite x1", "postgresql x1", "postgresql x2"
    servers: list[Server]
    repository: SqlStorage  # this process's own, to count and close
    backends: Backends | None = None


def without_inherited(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the parent's survey, admin, Teams, pulse, logging, metrics or retention
    settings: the pulse timers run at their defaults (a live-count refresh per 2 s window)."""
    return {name: value for name, value in env.items() if not name.startswith(NOT_INHERITED)}


async def advisor_targets(
    processes: Processes,
    argv: list[str],
    env_for: Callable[[str], Mapping[str, str]],
    admin: asyncpg.Connection | None,
    postgres: str | None,
    schema_prefix: str,
) -> dict[str, Target]:
    """The advisor configurations: `argv` on a SQLite file ("sqlite x1"), and, with a
    PostgreSQL `admin` connection, on a scratch schema dropped at the end, one process
    ("postgresql x1") and two ("postgresql x2"; A, started first, migrates the schema).
    `env_for` gives a server's environment for its database URL. Each target has a
    repository of this process's own on its database, to count and close."""
    stack = processes.stack
    sqlite_url = f"sqlite:///{processes.workdir / 'bench.db'}"
    sqlite = await processes.start("sqlite advisor", argv, env_for(sqlite_url))
    repository = SqlStorage.from_url(sqlite_url)
    stack.push_async_callback(repository.close)
    targets = {"sqlite x1": Target("sqlite x1", [sqlite], repository)}
    if admin is None or postgres is None:
        return targets
    schema = await stack.enter_async_context(fresh_schema(admin, schema_prefix))
    application = f"{SERVER_APP_NAME}-{schema}"
    env = env_for(schema_url(postgres, schema, application))
    # One after the other: the first migrates the schema, the second finds it done.
    first = await processes.start("pg advisor A", argv, env)
    second = await processes.start("pg advisor B", argv, env)
    repository = SqlStorage.from_url(schema_url(postgres, schema, f"advisor-bench-client-{schema}"))
    stack.push_async_callback(repository.close)
    backends = Backends(admin, application)
    for name, group in (("postgresql x1", [first]), ("postgresql x2", [first, second])):
        targets[name] = Target(name, group, repository, backends)
    return targets


async def closed_tally_problems(
    repository: SqlStorage, survey: str, expected: SurveyTally
) -> list[str]:
    """Close `survey` (the tally is stored in the close's transaction) and say how its tally
    differs from `expected`; nothing when it matches."""
    closed = await repository.pulse.close_survey(survey, datetime.now(UTC))
    if closed is None or closed.tally is None:
        return ["the survey was not closed by this call"]
    return tally_problems(closed.tally, expected)
