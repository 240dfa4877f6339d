"""Argument checks of `storage.pulse.PulseStore`, shared by every implementation so that all
of them accept and refuse the same calls (ValueError naming the argument, never its contents).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from storage.checks.common import aware_utc, checked_text, json_copy
from storage.conversations import KEY_LENGTH, LABEL_LENGTH, PLATFORM_LENGTH
from storage.pulse import RESPONDENT_KEY_LENGTH, SURVEY_ID_LENGTH, SurveyRecord, SurveyStatus

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
    if (survey.series_id is None) != (survey.round_number is None):
        raise ValueError("a round needs both its series id and its round number")
    if survey.series_id is not None:
        if not _SURVEY_ID.fullmatch(survey.series_id):
            raise ValueError(f"a series id must be {SURVEY_ID_LENGTH} lowercase hex characters")
        number = survey.round_number
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError("a round number must be an int of at least 1")
    return replace(
        survey,
        status=SurveyStatus.OPEN,
        question_ids=question_ids,
        created_at=created_at,
        deadline=deadline,
        remind_at=remind_at,
        message=checked_message(survey.message),
    )
