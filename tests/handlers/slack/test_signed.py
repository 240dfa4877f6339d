"""Slack's signature scheme, checked on raw bytes before anything is parsed."""

from __future__ import annotations

import hashlib
import hmac

from bot.handlers.slack.signed import MAX_AGE_SECONDS, SignedRequests, shape_problem

SECRET = "shh-0123456789"
NOW = 1_800_000_000.0


def headers(body: bytes, timestamp: str, secret: str = SECRET) -> dict[str, str]:
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def test_a_fresh_signature_on_any_bytes_is_good() -> None:
    signed = SignedRequests(SECRET, clock=lambda: NOW)
    for body in (b"", b"{garbage", b"\xff\xfe\x80"):
        assert signed.is_signed(body, headers(body, str(int(NOW))))


def test_wrong_secret_stale_or_future_or_altered_is_refused() -> None:
    signed = SignedRequests(SECRET, clock=lambda: NOW)
    body = b'{"type":"event_callback"}'
    assert not signed.is_signed(body, headers(body, str(int(NOW)), secret="other"))
    assert not signed.is_signed(body, headers(body, str(int(NOW) - MAX_AGE_SECONDS - 1)))
    assert not signed.is_signed(body, headers(body, str(int(NOW) + MAX_AGE_SECONDS + 1)))
    assert not signed.is_signed(body + b" ", headers(body, str(int(NOW))))
    assert not signed.is_signed(body, {})
    bad = headers(body, str(int(NOW)))
    bad["X-Slack-Signature"] = "v0=é"
    assert not signed.is_signed(body, bad)


def test_slack_shapes_pass_and_odd_ones_are_named() -> None:
    press = {"type": "block_actions", "actions": [{"action_id": "a"}], "user": {}}
    assert shape_problem(press) is None
    assert shape_problem({"command": "/ai-owner", "text": "start"}) is None
    assert shape_problem([]) == "the body is not an object"
    assert shape_problem({"type": 5}) == "'type' is not a string"
    assert "actions" in (shape_problem({"type": "block_actions", "user": {}}) or "")
