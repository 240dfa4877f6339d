"""Turn the database URLs people paste into the async driver URLs the storage layer uses.

Operators copy URLs from Heroku (`postgres://`), from libpq tools (`postgresql://...?sslmode=`),
from sync SQLAlchemy projects (`postgresql+psycopg2://`) or write a SQLite path. We only ever
talk to the databases through asyncio drivers, so every accepted form is rewritten to
`sqlite+aiosqlite` or `postgresql+asyncpg`. Error messages never repeat the URL itself: it
may carry a password.

asyncpg does not understand the libpq query parameters `sslmode` and `options`, and SQLAlchemy
hands URL query parameters to the driver verbatim, so `connect_arguments` translates them:
`sslmode=require` becomes asyncpg's `ssl="require"`, and each `-c name=value` in `options`
becomes a server setting sent when the connection starts. That is how a URL selects a schema,
`...?options=-csearch_path%3Dmy_schema` (see `with_search_path`), the same as with libpq.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage.errors import StorageError

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"

_DRIVERS = {"sqlite": SQLITE_DRIVER, "postgresql": POSTGRES_DRIVER, "postgres": POSTGRES_DRIVER}

ACCEPTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:// (in memory), "
    "postgresql://USER:PASSWORD@HOST:5432/DBNAME (also postgres://, postgresql+asyncpg://, "
    "postgresql+psycopg2://)"
)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]{0,40}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


class DatabaseUrlError(StorageError):
    """The database URL is not one we can use; the message says which forms are accepted."""


def normalize_database_url(url: str) -> str:
    """The async-driver form of `url`, or DatabaseUrlError saying which forms are accepted."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise DatabaseUrlError(
            f"Unsupported database URL scheme {parsed.drivername!r}. Accepted forms: "
            f"{ACCEPTED_FORMS}."
        )
    if backend == "sqlite" and (parsed.host or parsed.username or parsed.password):
        raise DatabaseUrlError(
            "A SQLite URL names a file, not a server: use three slashes for a relative path "
            "(sqlite:///advisor.db) or four for an absolute one (sqlite:////data/advisor.db)."
        )
    normalized = parsed.set(drivername=_DRIVERS[backend])
    return normalized.render_as_string(hide_password=False)


def redacted(url: str) -> str:
    """`url` with its password replaced by ***, for messages; a placeholder if unparsable."""
    try:
        return make_url(url.strip()).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparsable database URL>"


def is_memory_sqlite(url: URL) -> bool:
    """Whether `url` is a private in-memory SQLite database (one connection holds all of it)."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def with_search_path(url: str, schema: str) -> str:
    """`url`, normalised, with every connection's search_path set to `schema` only (any other
    libpq `options` in `url` are replaced).

    Written as libpq writes it (`options=-csearch_path=<schema>`), so the same URL means the
    same thing to psql; `connect_arguments` turns it into asyncpg's server settings.
    """
    if not _IDENTIFIER.match(schema):
        raise DatabaseUrlError("A schema name must be a plain SQL identifier.")
    parsed = make_url(normalize_database_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseUrlError("Only PostgreSQL URLs can select a schema.")
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def connect_arguments(url: str) -> tuple[URL, dict[str, Any]]:
    """The normalised URL without the libpq-only parameters, and the asyncpg connect
    arguments those parameters mean (empty for SQLite)."""
    parsed = make_url(normalize_database_url(url))
    if parsed.get_backend_name() != "postgresql":
        return parsed, {}
    query = dict(parsed.query)
    args: dict[str, Any] = {}
    sslmode = query.pop("sslmode", None)
    if sslmode is not None:
        args["ssl"] = _single(sslmode, "sslmode")
    options = query.pop("options", None)
    if options is not None:
        args["server_settings"] = _server_settings(_single(options, "options"))
    return parsed.set(query=query), args


def _parse(url: str) -> URL:
    text = url.strip()
    if not text:
        raise DatabaseUrlError(f"The database URL is empty. Accepted forms: {ACCEPTED_FORMS}.")
    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        scheme = text.split("://", 1)[0] if "://" in text else ""
        named = f" (scheme {scheme!r})" if _SCHEME.match(scheme) else ""
        # `from None`: the parser's own message quotes the whole URL, password included.
        raise DatabaseUrlError(
            f"The database URL could not be parsed{named}. Accepted forms: {ACCEPTED_FORMS}."
        ) from None


def _single(value: str | tuple[str, ...], name: str) -> str:
    if isinstance(value, tuple):
        raise DatabaseUrlError(f"The database URL gives {name!r} more than once.")
    return value


def _server_settings(options: str) -> dict[str, str]:
    """libpq's `options`: `-c name=value` (or `-c` and `name=value`) or `--name=value`."""
    settings: dict[str, str] = {}
    tokens = iter(_split_options(options))
    for token in tokens:
        flag = token + next(tokens, "") if token == "-c" else token
        name, equals, value = flag[2:].partition("=")
        if not flag.startswith(("-c", "--")) or not name or not equals:
            raise DatabaseUrlError(
                "The database URL's 'options' may only hold '-c name=value' settings."
            )
        # PostgreSQL itself treats dashes in a setting's name as underscores.
        settings[name.replace("-", "_")] = value
    return settings


def _split_options(options: str) -> list[str]:
    """Split on unescaped whitespace; a backslash keeps the next character (libpq's rule)."""
    tokens: list[str] = []
    current: list[str] = []
    escaped = False
    for char in options:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens
