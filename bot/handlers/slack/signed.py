"""Read a request from Slack: its signature first, on the raw bytes, and only then its body.

Bolt's own adapter parses the body before anything checks who sent it, so `{garbage`, bytes
that are not UTF-8, `payload=%7Bbad`, JSON nested thousands deep or a timestamp that is not a
number ended in a 500 for anyone on the internet. Here an unsigned (or wrongly signed, or stale)
request is refused with 401 before a byte of it is parsed, and a signed body that cannot be
parsed gets 400. Slack's scheme: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` with the
signing secret, the timestamp within five minutes. It is computed here, a few lines, because
slack_sdk's `SignatureVerifier` decodes the body as UTF-8 and calls int() on the header, the
very crashes this module exists to prevent.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

from storage.conversations import KEY_LENGTH

# Slack's own bound on a request's age (replays older than this are refused).
MAX_AGE_SECONDS = 5 * 60
# The reason a signed body of a shape Slack never sends is refused (HTTP 400).
NOT_A_SLACK_PAYLOAD = "not a Slack payload"


class SignedRequests:
    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode()
        self._clock = clock

    def is_signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether `body` carries a valid, fresh Slack signature in `headers`."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return False
        if abs(self._clock() - int(timestamp)) > MAX_AGE_SECONDS:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))

    async def read(self, request: web.Request) -> AsyncBoltRequest | web.Response:
        """The request as bolt's, or the response that refuses it (401 unsigned, 400 a signed
        body that is not a Slack payload)."""
        body = await request.read()
        if not self.is_signed(body, request.headers):
            return web.Response(status=401, text="invalid signature")
        try:
            text = body.decode("utf-8")
            read = AsyncBoltRequest(
                body=text,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (
            UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError, IndexError,
            RecursionError,
        ):  # fmt: skip
            return web.Response(status=400, text=NOT_A_SLACK_PAYLOAD)
        problem = shape_problem(read.body) or identity_problem(read)
        if problem is not None:
            return web.Response(status=400, text=f"{NOT_A_SLACK_PAYLOAD}: {problem}")
        return read


# The fields each kind of payload must have, and their types: what the listeners rely on.
_REQUIRED: dict[str, tuple[tuple[str, type], ...]] = {
    "block_actions": (("actions", list), ("user", dict)),
    "view_submission": (("view", dict), ("user", dict)),
    "view_closed": (("view", dict), ("user", dict)),
    "block_suggestion": (("user", dict),),
    "event_callback": (("event", dict),),
    "url_verification": (("challenge", str),),
}


# Kinds bolt tells apart by their top-level callback_id, which its matchers read as a string
# (a listener registered with a pattern matches attachments, dialogs and workflow steps too).
_CALLBACK_KINDS = frozenset(
    {
        "dialog_cancellation",
        "dialog_submission",
        "dialog_suggestion",
        "interactive_message",
        "message_action",
        "shortcut",
        "workflow_step_edit",
    }
)


def shape_problem(body: object) -> str | None:
    """What makes a parsed body something no Slack payload looks like, or None. Slack's own
    payloads always pass; this only keeps odd shapes from reaching listeners that index them."""
    if not isinstance(body, dict):
        return "the body is not an object"
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        return "'type' is not a string"
    if "command" in body and not isinstance(body["command"], str):
        return "'command' is not a string"
    for field, expected in _REQUIRED.get(kind or "", ()):
        if not isinstance(body.get(field), expected):
            return f"'{field}' is missing or not a {expected.__name__}"
    if "view" in body and not isinstance(body["view"], dict):  # bolt reads any view's type
        return "'view' is not an object"
    if kind in _CALLBACK_KINDS and not isinstance(body.get("callback_id"), str):
        return "'callback_id' is missing or not a string"
    step = kind == "workflow_step_edit" or (
        kind == "view_submission" and body["view"].get("type") == "workflow_step"
    )
    if step and not isinstance(body.get("workflow_step"), dict):  # bolt reads it for its `step`
        return "'workflow_step' is missing or not an object"
    if kind == "block_suggestion" and not isinstance(body.get("action_id"), str):
        return "'action_id' is missing or not a string"
    if kind == "block_actions" and not all(
        isinstance(action, dict) and isinstance(action.get("action_id"), str)
        for action in body["actions"]
    ):
        return "an action without an action_id"
    if kind in ("view_submission", "view_closed"):
        view = body["view"]
        if not isinstance(view.get("callback_id", ""), str) or not isinstance(
            view.get("type"), str
        ):
            return "'view.type' or 'view.callback_id' is not a string"
        state = view.get("state", {})
        if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
            return "'view.state.values' is not an object"
    if kind == "event_callback" and not isinstance(body["event"].get("type"), str):
        return "'event.type' is not a string"
    return None


# Who and where, as bolt reads them from the payload (its context): ids are strings, or absent.
_IDS = (
    "enterprise_id",
    "team_id",
    "user_id",
    "channel_id",
    "actor_enterprise_id",
    "actor_team_id",
    "actor_user_id",
)
# Payloads a person sends by acting (pressing, submitting, typing a command): Slack always
# says who and in which workspace (an org-wide install may name only the enterprise).
_ACTS = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "dialog_submission",
        "interactive_message",
        "message_action",
        "shortcut",
        "view_closed",
        "view_submission",
    }
)


def identity_problem(request: AsyncBoltRequest) -> str | None:
    """What makes the ids bolt read from a payload (`shape_problem` passed) unlike any Slack
    sends, or None: an id that is not a string (the listeners and the request log use them as
    keys) or is longer than the database keeps; a person's action or command without its person
    or workspace (it would be stored under a made-up "unknown" one); a command without its
    response URL, or one that is not a web address. Events need a workspace; which of them need
    a person is for their listeners to say."""
    context = request.context
    for name in _IDS:
        value = getattr(context, name, None)
        if value is not None and not isinstance(value, str):
            return f"'{name}' is not a string"
        if value is not None and len(value) > KEY_LENGTH:  # Slack's are a dozen characters
            return f"'{name}' is too long"
    body = request.body
    workspace = context.team_id or context.enterprise_id
    if body.get("type") in _ACTS or "command" in body:
        if not workspace:
            return "no workspace"
        if not context.user_id:
            return "no user"
    elif body.get("type") == "event_callback" and not workspace:
        return "no workspace"
    response_url = body.get("response_url")
    if "command" in body and not response_url:
        return "a command without its response_url"  # where every answer to it goes
    if response_url and not _is_web_url(response_url):
        return "a response_url that is not a web address"
    return None


def _is_web_url(value: object) -> bool:
    """An absolute http(s) URL with a host, as Slack's response URLs are."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[::1" and the like
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
