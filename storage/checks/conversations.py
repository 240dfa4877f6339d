"""Argument checks of `storage.conversations.ConversationStore`, shared by every implementation
so that all of them accept and refuse the same calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from storage.checks.common import aware_utc, checked_text, json_copy
from storage.conversations import DELIVERY_KEY_LENGTH, AssessmentRecord, ConversationKey


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
    """The arguments of `ConversationStore.save_turn` as they will be stored."""
    record = None if assessment is None else checked_assessment(key, assessment)
    return json_copy(state, "state"), aware_utc(now, "now"), record


def checked_reference(reference: dict[str, Any], now: datetime) -> tuple[dict[str, Any], datetime]:
    """The arguments of `ConversationStore.save_reference` as they will be stored."""
    return json_copy(reference, "reference"), aware_utc(now, "now")


def checked_delivery(key: str, now: datetime) -> tuple[str, datetime]:
    """The arguments of `ConversationStore.record_delivery` as they will be stored.

    Refused here rather than by the database, so every implementation refuses the same keys:
    PostgreSQL enforces the column length and rejects NUL, SQLite enforces neither, and
    neither driver can send text that is not valid UTF-8.
    """
    if not key:
        raise ValueError("a delivery key must not be empty")
    return checked_text(key, "a delivery key", DELIVERY_KEY_LENGTH), aware_utc(now, "now")
