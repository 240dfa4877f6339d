"""Database URLs as people paste them, and what the storage layer makes of them."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from storage.errors import StorageError
from storage.url import (
    DatabaseUrlError,
    connect_arguments,
    normalize_database_url,
    redacted,
    with_search_path,
)

PASSWORD = "s3cr3t-Pa55w0rd"


@pytest.mark.parametrize(
    ("pasted", "normalized"),
    [
        ("sqlite:///advisor.db", "sqlite+aiosqlite:///advisor.db"),
        ("sqlite:///data/advisor.db", "sqlite+aiosqlite:///data/advisor.db"),
        ("sqlite:////var/lib/advisor/advisor.db", "sqlite+aiosqlite:////var/lib/advisor/advisor.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("sqlite+aiosqlite:///advisor.db", "sqlite+aiosqlite:///advisor.db"),
        ("sqlite+pysqlite:///advisor.db", "sqlite+aiosqlite:///advisor.db"),
        ("  sqlite:///advisor.db\n", "sqlite+aiosqlite:///advisor.db"),
        ("postgresql://u:pw@db.example.com:5432/advisor", "postgresql+asyncpg://u:pw@db.example.com:5432/advisor"),
        ("postgres://u:pw@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8f", "postgresql+asyncpg://u:pw@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8f"),
        ("postgresql+psycopg2://u@localhost/advisor", "postgresql+asyncpg://u@localhost/advisor"),
        ("postgresql+psycopg://u@localhost/advisor", "postgresql+asyncpg://u@localhost/advisor"),
        ("postgresql+asyncpg://u@localhost/advisor", "postgresql+asyncpg://u@localhost/advisor"),
        ("postgresql://localhost/advisor", "postgresql+asyncpg://localhost/advisor"),
        ("postgresql://u:p%40ss%2Fword@localhost/advisor", "postgresql+asyncpg://u:p%40ss%2Fword@localhost/advisor"),
        ("postgres://u@h/d?sslmode=require", "postgresql+asyncpg://u@h/d?sslmode=require"),
    ],
)  # fmt: skip
def test_accepted_forms_become_async_driver_urls(pasted: str, normalized: str) -> None:
    # Compared parsed: SQLAlchemy renders some characters escaped (":memory:" as %3Amemory%3A).
    assert make_url(normalize_database_url(pasted)) == make_url(normalized)


@pytest.mark.parametrize(
    "pasted",
    [
        "",
        "   ",
        f"mysql://advisor:{PASSWORD}@db.example.com/advisor",
        f"mysql+pymysql://advisor:{PASSWORD}@db.example.com/advisor",
        f"mssql+pyodbc://advisor:{PASSWORD}@dsn",
        "advisor.db",
        "not a url at all",
        f"postgresql://advisor:{PASSWORD}@db.example.com:notaport/advisor",
        f"sqlite://advisor:{PASSWORD}@host/advisor.db",
        "sqlite://advisor.db",
    ],
)
def test_other_urls_are_refused_with_the_accepted_forms_and_no_password(pasted: str) -> None:
    with pytest.raises(DatabaseUrlError) as raised:
        normalize_database_url(pasted)

    message = str(raised.value)
    assert PASSWORD not in message
    assert "sqlite:///" in message or "three slashes" in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__ or raised.value.__context__ is None


def test_a_url_error_is_a_storage_error() -> None:
    assert issubclass(DatabaseUrlError, StorageError)


def test_an_unsupported_scheme_is_named() -> None:
    with pytest.raises(DatabaseUrlError, match="'mysql'"):
        normalize_database_url(f"mysql://root:{PASSWORD}@localhost/advisor")


def test_redacted_hides_the_password() -> None:
    shown = redacted(f"postgres://advisor:{PASSWORD}@db.example.com/advisor")

    assert PASSWORD not in shown
    assert shown == "postgres://advisor:***@db.example.com/advisor"


@pytest.mark.parametrize(
    ("url", "expected_query", "expected_args"),
    [
        ("sqlite:///advisor.db", {}, {}),
        ("postgresql://u@h/d", {}, {}),
        ("postgresql://u@h/d?sslmode=require", {}, {"ssl": "require"}),
        (
            "postgresql://u@h/d?options=-csearch_path%3Dbot",
            {},
            {"server_settings": {"search_path": "bot"}},
        ),
        (
            "postgresql://u@h/d?options=-c%20search_path%3Dbot%20--statement-timeout%3D5s",
            {},
            {"server_settings": {"search_path": "bot", "statement_timeout": "5s"}},
        ),
        (
            "postgresql://u@h/d?options=-capplication_name%3Dmy%5C%20bot",
            {},
            {"server_settings": {"application_name": "my bot"}},
        ),
        (
            "postgresql://u@h/d?prepared_statement_cache_size=0&sslmode=disable",
            {"prepared_statement_cache_size": "0"},
            {"ssl": "disable"},
        ),
    ],
)
def test_libpq_parameters_become_asyncpg_connect_arguments(
    url: str, expected_query: dict[str, str], expected_args: dict[str, object]
) -> None:
    target, args = connect_arguments(url)

    assert dict(target.query) == expected_query
    assert args == expected_args


@pytest.mark.parametrize(
    "options", ["search_path%3Dbot", "-csearch_path", "-c", "-x%20y", "-c%3Dvalue"]
)
def test_options_other_than_settings_are_refused(options: str) -> None:
    with pytest.raises(DatabaseUrlError, match="-c name=value"):
        connect_arguments(f"postgresql://u@h/d?options={options}")


def test_a_repeated_libpq_parameter_is_refused() -> None:
    with pytest.raises(DatabaseUrlError, match="more than once"):
        connect_arguments("postgresql://u@h/d?sslmode=require&sslmode=disable")


def test_with_search_path_selects_one_schema() -> None:
    url = with_search_path(f"postgres://advisor:{PASSWORD}@h:5432/d", "adv_test_0a1b")

    assert url == (
        f"postgresql+asyncpg://advisor:{PASSWORD}@h:5432/d?options=-csearch_path%3Dadv_test_0a1b"
    )
    assert connect_arguments(url)[1] == {"server_settings": {"search_path": "adv_test_0a1b"}}


@pytest.mark.parametrize(
    ("url", "schema"),
    [
        ("postgresql://u@h/d", "bad schema; drop table x"),
        ("postgresql://u@h/d", ""),
        ("sqlite:///advisor.db", "bot"),
    ],
)
def test_with_search_path_refuses_what_it_cannot_express(url: str, schema: str) -> None:
    with pytest.raises(DatabaseUrlError):
        with_search_path(url, schema)
