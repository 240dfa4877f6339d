"""Argument checks every repository applies, so all implementations accept the same calls.

A wrong call is the caller's bug, not a storage failure, so these raise ValueError. Messages
name the argument and the problem, never the contents.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from storage.pulse import (
    RESPONDENT_KEY_LENGTH,
    SURVEY_ID_LENGTH,
    SurveyRecord,
    SurveyStatus,
)
from storage.repository import (
    DELIVERY_KEY_LENGTH,
    KEY_LENGTH,
    LABEL_LENGTH,
    PLATFORM_LENGTH,
    AssessmentRecord,
    ConversationKey,
)

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
    return checked_text(key, "a delivery key", DELIVERY_KEY_LENGTH), aware_utc(now, "now")


def checked_count(value: int, name: str = "limit") -> int:
    """A limit, a batch size or a number of loads to keep: an int (not a bool) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int")
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


# Question and option ids, in answers and in a survey's question list; knowledge ids are short
# slugs. (Column sizes are checked here too: SQLite does not enforce them, PostgreSQL would
# fail the transaction.)
ANSWER_TEXT_LENGTH = 255

_SURVEY_ID = re.compile(f"[0-9a-f]{{{SURVEY_ID_LENGTH}}}")
_RESPONDENT_KEY = re.compile(f"[0-9a-f]{{{RESPONDENT_KEY_LENGTH}}}")


def is_survey_id(value: object) -> bool:
    """Whether `value` could name a survey. Ids also arrive in button payloads, which anyone
    can forge: one that is not an id names no survey, and is answered as such, not queried."""
    return isinstance(value, str) and _SURVEY_ID.fullmatch(value) is not None


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


def checked_respondent_key(key: object, name: str = "respondent key") -> str:
    """A respondent (or launcher) key: the hex of an HMAC-SHA256, never anything readable."""
    if not isinstance(key, str) or _RESPONDENT_KEY.fullmatch(key) is None:
        raise ValueError(f"a {name} must be {RESPONDENT_KEY_LENGTH} lowercase hex characters")
    return key


def checked_answers(answers: object) -> dict[str, str]:
    """A copy of one respondent's answers: a non-empty dict of question id to option id."""
    if not isinstance(answers, dict) or not answers:
        raise ValueError("answers must be a non-empty dict")
    return {
        checked_text(question, "a question id", ANSWER_TEXT_LENGTH): checked_text(
            option, "an option id", ANSWER_TEXT_LENGTH
        )
        for question, option in answers.items()
    }


def checked_message(message: object) -> dict[str, Any]:
    """Where a survey's card is, as a JSON copy."""
    if not isinstance(message, dict):
        raise ValueError("a survey message must be a dict")
    return json_copy(message, "message")


def checked_survey(survey: SurveyRecord) -> SurveyRecord:
    """A new survey as it will be stored: UTC times, JSON copies, a tuple of question ids."""
    if not is_survey_id(survey.id):
        raise ValueError(f"a survey id must be {SURVEY_ID_LENGTH} lowercase hex characters")
    checked_text(survey.platform, "platform", PLATFORM_LENGTH)
    checked_text(survey.workspace, "workspace", KEY_LENGTH)
    checked_text(survey.channel, "channel", KEY_LENGTH)
    checked_respondent_key(survey.launcher_key, "launcher key")
    checked_text(survey.knowledge_version, "knowledge_version", LABEL_LENGTH)
    question_ids = tuple(survey.question_ids)
    if not question_ids:
        raise ValueError("a survey needs at least one question")
    for question in question_ids:
        checked_text(question, "a question id", ANSWER_TEXT_LENGTH)
    if len(set(question_ids)) != len(question_ids):
        raise ValueError("a survey must not ask a question twice")
    if isinstance(survey.threshold, bool) or not isinstance(survey.threshold, int):
        raise ValueError("threshold must be an int")
    if survey.threshold < 1:
        raise ValueError("threshold must be at least 1")
    created_at = aware_utc(survey.created_at, "created_at")
    deadline = aware_utc(survey.deadline, "deadline")
    if deadline <= created_at:
        raise ValueError("deadline must be after created_at")
    if survey.status != SurveyStatus.OPEN:
        raise ValueError("a new survey must be open")
    untouched = (survey.closed_at, survey.tally, survey.results_posted_at, survey.reminded_at)
    if any(value is not None for value in untouched):
        raise ValueError("a new survey cannot be closed, tallied, posted or reminded already")
    remind_at = None if survey.remind_at is None else aware_utc(survey.remind_at, "remind_at")
    return replace(
        survey,
        status=SurveyStatus.OPEN,
        question_ids=question_ids,
        created_at=created_at,
        deadline=deadline,
        remind_at=remind_at,
        message=checked_message(survey.message),
    )
