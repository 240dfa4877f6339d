"""Read a Slack request as the service wants it: whose conversation it is, its text as plain
text, and the key that makes a redelivery recognisable (the counterpart of Teams'
`bot.handlers.teams.translate`).

Slack escapes `&`, `<` and `>` as entities and writes mentions, channel links and URLs in angle
brackets (`<@U123>`, `<!here>`, `<#C1|general>`, `<https://x|label>`). The engine should see
what the user meant to say, never markup it could echo back as a live mention.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from storage.conversations import ConversationKey

PLATFORM = "slack"

_SPECIAL = re.compile(r"<([^<>]*)>")
# Nobody types an essay as an answer; the engine cuts answers further itself.
MAX_INPUT = 4000


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Readable plain text: the bot's own mention removed, other mentions and links replaced by
    their labels (or dropped), entities decoded."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if bot_user_id is not None and target == f"@{bot_user_id}":
            return " "
        if target.startswith(("@", "!", "#")):
            return label or ""
        return label or target

    cleaned = _SPECIAL.sub(replace, text[: MAX_INPUT * 2])
    return " ".join(html.unescape(cleaned).split())[:MAX_INPUT]


def workspace_of(context: AsyncBoltContext) -> str:
    """The workspace (or, for an org-wide install without one, the enterprise)."""
    return context.team_id or context.enterprise_id or "unknown"


def conversation_key(context: AsyncBoltContext) -> ConversationKey:
    return ConversationKey(PLATFORM, workspace_of(context), context.user_id or "unknown")


# --- redeliveries: retries and double clicks do their work once ------------------------------

# Slack's event ids ("Ev0123ABCD"); anything else in a signed body is keyed by its digest, so
# that no key is empty, over-long, or holds what the database refuses (NUL, lone surrogates).
_EVENT_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def delivery_key(body: dict[str, Any]) -> str | None:
    """The key that makes a redelivery recognisable: Slack's event_id for events (retries keep
    it), and for a button on a message the message, the button and its value (a double click
    sends the same three). None for requests that are safe to process twice."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        event_id = body["event_id"]
        if isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id):
            return f"slack:event:{event_id}"
        return f"slack:event:{_digest(event_id)}"
    if body.get("type") == "block_actions":
        container = _object(body.get("container"))
        if not container.get("message_ts"):
            return None  # App Home buttons: pressing again is harmless and often intended
        action = _object((body.get("actions") or [{}])[0])
        parts = (
            _object(body.get("team")).get("id"),
            _object(body.get("user")).get("id"),
            container.get("channel_id"),
            container.get("message_ts"),
            action.get("action_id"),
            action.get("value"),
        )
        return f"slack:action:{_digest(parts)}"
    return None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()
