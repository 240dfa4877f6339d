"""Recognise a Slack delivery seen before, so retries and double clicks do their work once."""

from __future__ import annotations

import hashlib
from typing import Any


def delivery_key(body: dict[str, Any]) -> str | None:
    """The key that makes a redelivery recognisable: Slack's event_id for events (retries keep
    it), and for a button on a message the message, the button and its value (a double click
    sends the same three). None for requests that are safe to process twice."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"slack:event:{body['event_id']}"
    if body.get("type") == "block_actions":
        container = body.get("container") or {}
        if not container.get("message_ts"):
            return None  # App Home buttons: pressing again is harmless and often intended
        action = (body.get("actions") or [{}])[0]
        parts = (
            (body.get("team") or {}).get("id"),
            (body.get("user") or {}).get("id"),
            container.get("channel_id"),
            container.get("message_ts"),
            action.get("action_id"),
            action.get("value"),
        )
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()
        return f"slack:action:{digest}"
    return None
