"""The request context: which request, platform and workspace a log line belongs to, and how it
ended. It lives in a `ContextVar`, so it follows the work wherever asyncio takes it: a task
created while a request is handled (Slack's work after the ack, bolt's listeners) starts with
a copy of the request's context and keeps its fields.

The value is immutable and `note` sets a new one: what a background task notes (a turn's
outcome) shows in that task's later log lines and nowhere else, so two tasks of one request
never overwrite each other's fields.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import asdict, dataclass, replace

# What may appear in a log field: ids and outcome words; anything else (a header someone sent
# to inject a fake log line, an overlong value) is dropped.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@=+/-]{0,127}")


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    platform: str | None = None
    workspace: str | None = None
    outcome: str | None = None

    def fields(self) -> dict[str, str]:
        """The fields that are set, for a log line."""
        return {name: value for name, value in asdict(self).items() if value is not None}


NONE = RequestContext()  # outside any request (frozen, so one shared value is safe)
_CURRENT: ContextVar[RequestContext] = ContextVar("advisor_request", default=NONE)


def current() -> RequestContext:
    return _CURRENT.get()


def begin(request_id: str | None = None) -> Token[RequestContext]:
    """A fresh context for a new request (a new id unless a sane one is given); `end` with the
    token puts back what was there before."""
    return _CURRENT.set(RequestContext(request_id=sane(request_id) or new_request_id()))


def end(token: Token[RequestContext]) -> None:
    _CURRENT.reset(token)


def note(
    *, platform: str | None = None, workspace: str | None = None, outcome: str | None = None
) -> None:
    """Add what became known (fields given as None, or not sane, are left as they were)."""
    given = {"platform": platform, "workspace": workspace, "outcome": outcome}
    known = {name: clean for name, value in given.items() if (clean := sane(value)) is not None}
    if known:
        _CURRENT.set(replace(_CURRENT.get(), **known))


def ensure_request_id() -> None:
    """Give work that did not arrive over HTTP (Socket Mode) an id of its own."""
    if _CURRENT.get().request_id is None:
        _CURRENT.set(replace(_CURRENT.get(), request_id=new_request_id()))


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane(value: str | None) -> str | None:
    """`value` when it is a plain token fit for a log field, else None."""
    if value is None or not _TOKEN.fullmatch(value):
        return None
    return value
