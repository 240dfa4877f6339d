"""Recognise a Slack delivery seen before, so retries and double clicks do their work once."""

from __future__ import annotations

import hashlib
import re
from typing import Any

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
