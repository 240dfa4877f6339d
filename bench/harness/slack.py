"""Loading a Slack app: the environment its server gets, and requests signed as Slack signs
them (the bodies themselves come from `testing.fakes.slack_requests`)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from testing.fakes.slack_requests import SLACK_USER_AGENT

EVENTS_PATH = "/slack/events"
# The advisor's token; the bare app gets another, so the fake tells their Web API calls apart.
BOT_TOKEN = "xoxb-bench"
BARE_TOKEN = "xoxb-bench-bare"
FORM = "application/x-www-form-urlencoded"
REQUEST_TIMEOUT_SECONDS = 30.0


def server_env(
    signing_secret: str, api_url: str, database_url: str, token: str = BOT_TOKEN
) -> dict[str, str]:
    """The parent's environment without any Slack, database or knowledge settings of its own
    (a developer's SLACK_CLIENT_ID would switch the server to OAuth), plus the bench's."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DATABASE_", "KNOWLEDGE_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=api_url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


class Signer:
    """Signs a body as Slack does, with the current timestamp, at the moment it is sent."""

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def headers(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        return {
            "Content-Type": FORM,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or "",
        }


def form_body(fields: Mapping[str, str]) -> bytes:
    return urlencode(fields).encode()


def user_id(number: int) -> str:
    return f"U{number:05d}"


def dm_channel(user: str) -> str:
    """The DM the fake Web API opens for `user` (conversations.open: U123 -> D123)."""
    return "D" + user.removeprefix("U")
