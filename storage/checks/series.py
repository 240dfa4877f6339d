"""Argument checks of `storage.series.SeriesStore`, shared by every implementation (ValueError
naming the argument, never its contents)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from storage.checks.common import aware_utc, checked_text, json_copy
from storage.checks.pulse import checked_respondent_key
from storage.conversations import KEY_LENGTH, PLATFORM_LENGTH
from storage.pulse import SurveyRecord
from storage.series import (
    MEMBER_KEY_LENGTH,
    SERIES_ID_LENGTH,
    TIMEZONE_LENGTH,
    Cadence,
    SeriesRecord,
    SeriesStatus,
)

_SERIES_ID = re.compile(f"[0-9a-f]{{{SERIES_ID_LENGTH}}}")
_MEMBER_KEY = re.compile(f"[0-9a-f]{{{MEMBER_KEY_LENGTH}}}")
# A round's length is stored in whole seconds; longer than any cadence allows is a mistake.
_LONGEST_ROUND = timedelta(days=366)


def is_series_id(value: object) -> bool:
    """Whether `value` could name a series (ids arrive in buttons, which can be forged)."""
    return isinstance(value, str) and _SERIES_ID.fullmatch(value) is not None


def checked_member_key(key: object) -> str:
    if not isinstance(key, str) or _MEMBER_KEY.fullmatch(key) is None:
        raise ValueError(f"a member key must be {MEMBER_KEY_LENGTH} lowercase hex characters")
    return key


def checked_round_number(value: object, name: str = "round number") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int of at least 1")
    return value


def checked_occurrence(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("an occurrence must be an int of at least 0")
    return value


def checked_series(series: SeriesRecord) -> SeriesRecord:
    """A new series as it will be stored: UTC times, checked ids, keys and lengths."""
    if not is_series_id(series.id):
        raise ValueError(f"a series id must be {SERIES_ID_LENGTH} lowercase hex characters")
    checked_text(series.platform, "platform", PLATFORM_LENGTH)
    checked_text(series.workspace, "workspace", KEY_LENGTH)
    checked_text(series.channel, "channel", KEY_LENGTH)
    checked_text(series.launcher, "launcher", KEY_LENGTH)
    checked_respondent_key(series.launcher_key, "launcher key")
    checked_text(series.timezone, "timezone", TIMEZONE_LENGTH)
    Cadence(series.cadence)
    length = series.round_length
    if not timedelta(0) < length <= _LONGEST_ROUND or length % timedelta(seconds=1):
        raise ValueError("a round length must be a positive whole number of seconds")
    if isinstance(series.threshold, bool) or not isinstance(series.threshold, int):
        raise ValueError("threshold must be an int")
    if series.threshold < 1:
        raise ValueError("threshold must be at least 1")
    if not isinstance(series.remind, bool):
        raise ValueError("remind must be a bool")
    checked_occurrence(series.next_occurrence)
    checked_round_number(series.next_round, "next round")
    if series.status is not SeriesStatus.ACTIVE or series.paused_reason is not None:
        raise ValueError("a new series must be active")
    return replace(
        series,
        cadence=Cadence(series.cadence),
        starts_at=aware_utc(series.starts_at, "starts_at"),
        created_at=aware_utc(series.created_at, "created_at"),
        next_open_at=aware_utc(series.next_open_at, "next_open_at"),
        address=json_copy(series.address, "address"),
    )


def checked_round(survey: SurveyRecord, series_id: str, expected_round: int) -> None:
    """The survey is round `expected_round` of the series."""
    if survey.series_id != series_id or survey.round_number != expected_round:
        raise ValueError("the survey must carry the series id and the round number it opens")
