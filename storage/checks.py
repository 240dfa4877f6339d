"""Argument checks every repository applies, so all implementations accept the same calls.

A wrong call is the caller's bug, not a storage failure, so these raise ValueError. Messages
name the argument and the problem, never the contents.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from storage.repository import DELIVERY_KEY_LENGTH, AssessmentRecord, ConversationKey

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


def checked_assessment(key: ConversationKey, assessment: AssessmentRecord) -> AssessmentRecord:
    """The assessment as it will be stored: the turn's own user, UTC time, JSON-safe values."""
    if assessment.key != key:
        raise ValueError("an assessment must belong to the conversation saved with it")
    return replace(
        assessment,
        completed_at=aware_utc(assessment.completed_at, "assessment.completed_at"),
        answers=json_copy(assessment.answers, "assessment.answers"),
        scores=json_copy(assessment.scores, "assessment.scores"),
    )


def checked_turn(
    key: ConversationKey,
    state: dict[str, Any],
    now: datetime,
    assessment: AssessmentRecord | None,
) -> tuple[dict[str, Any], datetime, AssessmentRecord | None]:
    """The arguments of `Repository.save_turn` as they will be stored."""
    record = None if assessment is None else checked_assessment(key, assessment)
    return json_copy(state, "state"), aware_utc(now, "now"), record


def checked_reference(reference: dict[str, Any], now: datetime) -> tuple[dict[str, Any], datetime]:
    """The arguments of `Repository.save_reference` as they will be stored."""
    return json_copy(reference, "reference"), aware_utc(now, "now")


def checked_delivery(key: str, now: datetime) -> tuple[str, datetime]:
    """The arguments of `Repository.record_delivery` as they will be stored.

    Refused here rather than by the database, so every implementation refuses the same keys:
    PostgreSQL enforces the column length and rejects NUL, SQLite enforces neither, and
    neither driver can send text that is not valid UTF-8.
    """
    if not key:
        raise ValueError("a delivery key must not be empty")
    if len(key) > DELIVERY_KEY_LENGTH:
        raise ValueError(f"a delivery key must be at most {DELIVERY_KEY_LENGTH} characters")
    if "\x00" in key:
        raise ValueError("a delivery key must not contain NUL characters")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a delivery key must be valid Unicode text") from None
    return key, aware_utc(now, "now")
