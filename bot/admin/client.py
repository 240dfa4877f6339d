"""`advisor knowledge reload`: ask a running server to reload its knowledge folder, through the
admin endpoint (`POST /admin/knowledge/reload`, `Authorization: Bearer $ADMIN_TOKEN`).

Exit codes, as the rest of the CLI: 0 reloaded (the new version, or "unchanged", on stdout),
1 the knowledge is broken (every problem as `file:line: message` on stderr; the server keeps
serving the version it had), 2 nothing could be asked (no ADMIN_TOKEN, the server cannot be
reached, the token refused, the endpoint not served) with a message saying what to fix.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import Any, TextIO

import aiohttp

from bot.admin.http import RELOAD_PATH
from bot.config import Settings
from bot.views import catalogue

TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


class Unreachable(Exception):
    """The server could not be asked; the message says why."""


def default_url(settings: Settings) -> str:
    """The server on this machine, on the configured PORT."""
    return f"http://127.0.0.1:{settings.port}"


def knowledge_reload(
    settings: Settings,
    url: str | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The whole command: ask, print, and return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    token = settings.admin_token_value
    if token is None:
        print("error: ADMIN_TOKEN is not set: set it to the running server's value", file=err)
        return 2
    base = (url or default_url(settings)).rstrip("/")
    try:
        answer = asyncio.run(post_reload(base, token))
    except Unreachable as error:
        print(f"error: {error}", file=err)
        return 2
    return report(answer, base, out, err)


async def post_reload(base: str, token: str, seconds: float = TIMEOUT_SECONDS) -> Answer:
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as session,
            session.post(base + RELOAD_PATH, headers=headers) as response,
        ):
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return Answer(response.status, body if isinstance(body, dict) else {})
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise Unreachable(
            f"could not reach the advisor at {base} ({type(error).__name__}): is `advisor "
            "serve` running there? Pass --url to name another server"
        ) from None


def report(answer: Answer, base: str, out: TextIO, err: TextIO) -> int:
    body = answer.body
    if answer.status == 401:
        print(f"error: {base} refused the token: ADMIN_TOKEN differs from the server's", file=err)
        return 2
    if answer.status == 404:
        print(f"error: {base} serves no admin endpoint: set ADMIN_TOKEN on the server", file=err)
        return 2
    if answer.status == 422 and isinstance(body.get("errors"), list):
        errors = [str(problem) for problem in body["errors"]]
        print(
            f"knowledge has {len(errors)} problem(s); version {body.get('version')} keeps serving:",
            file=err,
        )
        for problem in errors:
            print(problem, file=err)
        return 1
    if answer.status != 200 or not body.get("ok"):
        print(f"error: {base} answered HTTP {answer.status}: see the server's log", file=err)
        return 2
    counts = catalogue.knowledge_counts(body.get("counts") or {})
    if body.get("changed"):
        print(f"reloaded: version {body['version']} (was {body['previous']}); {counts}", file=out)
    else:
        print(f"reloaded: unchanged, version {body['version']}; {counts}", file=out)
    return 0
