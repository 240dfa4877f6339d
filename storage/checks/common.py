"""The checks every store's arguments go through, whatever the concern: times, JSON, text,
counts. A wrong call is the caller's bug, not a storage failure, so these raise ValueError.
Messages name the argument and the problem, never the contents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeVar

_Json = TypeVar("_Json", bound=dict[str, Any])


def aware_utc(value: datetime, name: str) -> datetime:
    """`value` as UTC; naive datetimes are refused because their instant is unknowable."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


def json_copy(value: _Json, name: str) -> _Json:
    """A deep copy of `value` exactly as a JSON column would give it back.

    Both implementations run this, so the in-memory one behaves like a database: tuples come
    back as lists, non-string keys as strings, and what JSON cannot hold (objects, NaN) is
    refused up front instead of failing inside a transaction.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} cannot be stored as JSON: {exc}") from None
    copy: _Json = json.loads(text)
    return copy


def checked_count(value: int, name: str = "limit") -> int:
    """A limit, a batch size or a number of loads to keep: an int (not a bool) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int")
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


def checked_text(value: object, name: str, max_length: int) -> str:
    """A non-empty string of at most `max_length` characters that every database stores as
    given: PostgreSQL rejects NUL in text (and in JSON it must read back), and no driver can
    send a lone surrogate."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise ValueError(f"{name} must be at most {max_length} characters")
    if "\x00" in value:
        raise ValueError(f"{name} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} must be valid Unicode text") from None
    return value
