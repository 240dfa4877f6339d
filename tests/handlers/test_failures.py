"""The error policy at the adapter boundary (bot.handlers.failures)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.handlers import failures
from bot.observability import context

SECRET = "INSERT ... respondent=abc123 answers={'q': 'a'}"


@pytest.fixture(autouse=True)
def in_a_request() -> Iterator[None]:
    """Failures note their outcome in the request's context: a context of this test's own, so
    nothing is left in the context of the tests after it."""
    token = context.begin("test-failures")
    yield
    context.end(token)


def test_survey_failures_log_no_message_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        failures.survey_failed("teams", "answer", RuntimeError(SECRET), "s1")
    (record,) = caplog.records
    assert record.getMessage() == "pulse answer failed platform=teams survey=s1 error=RuntimeError"
    assert record.exc_info is None
    assert SECRET not in caplog.text


def test_bugs_elsewhere_keep_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        failures.turn_failed("teams", "turn", KeyError("x"), conversation="c1", activity="a1")
    (record,) = caplog.records
    assert record.getMessage() == "teams turn failed conversation=c1 activity=a1 error=KeyError"
    assert record.exc_info is not None


def test_a_platform_error_is_named_by_its_code() -> None:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.invalid/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "channel_not_found"},
        headers={},
        status_code=200,
    )
    error = SlackApiError("failed", response)  # type: ignore[no-untyped-call]  # slack_sdk
    assert failures.error_name(error) == "channel_not_found"
    assert failures.error_name(ValueError("no")) == "ValueError"
