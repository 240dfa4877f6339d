"""The one error policy at the adapter boundary, for both platforms.

- A person's mistake (a bad command, a closed survey, not allowed) is no error: the service
  raises a user-facing error whose message comes from the catalogue, the adapter shows it,
  and at most an info line is logged.
- A bug (anything else) is counted (`advisor_errors_total`), logged once at ERROR with ids
  only, and answered with the catalogue's apology (`catalogue.SORRY`), never a trace.
- On survey paths a failure is logged by action and error name only: no traceback and no
  error message, because a database error's text can carry its statement's parameters (a
  respondent key, the answers), and no person or conversation id (a private chat's id points
  at its person). Outside survey paths the traceback is kept: it carries ids, never text.
"""

from __future__ import annotations

import logging

from bot.observability import record

log = logging.getLogger("bot.handlers")


def error_name(error: BaseException) -> str:
    """What failed, in words safe to log: a platform API's own error code (Slack's
    `invalid_auth`) where it has one, else the exception's class."""
    # A platform's error response: a dict, or slack_sdk's SlackResponse (both have `get`).
    get = getattr(getattr(error, "response", None), "get", None)
    code = get("error") if callable(get) else None
    return str(code) if code else type(error).__name__


def survey_failed(platform: str, action: str, error: BaseException, survey: str = "-") -> None:
    """A bug on a survey path (answer, form, close, results, export)."""
    record.error(f"{platform}_pulse_{action}")
    log.error(
        "pulse %s failed platform=%s survey=%s error=%s",
        action,
        platform,
        survey,
        error_name(error),
    )


def turn_failed(platform: str, where: str, error: BaseException, **ids: object) -> None:
    """A bug outside survey paths: counted, and logged with its traceback and ids."""
    record.error(f"{platform}_{where}")
    fields = [f"{name}={value}" for name, value in ids.items()]
    line = " ".join([platform, where, "failed", *fields, f"error={type(error).__name__}"])
    log.error("%s", line, exc_info=error)
