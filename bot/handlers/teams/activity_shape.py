"""Is a request body a Bot Framework activity at all? Checked before the SDK reads it.

botbuilder deserialises the body with msrest and reads fields it assumes are there and of the
right type: `{garbage`, a JSON array, `"from": "x"` or a timestamp that is not a date ended in
a 500. A body that is not an activity gets 400 here instead, with what is wrong; one that is
goes on to the SDK (and its authentication) unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from botbuilder import schema
from botbuilder.schema import Activity
from msrest import Deserializer

from storage.conversations import KEY_LENGTH

# Fields that, when present, must be objects with a non-empty string `id` (whom and where).
_ACCOUNTS = ("from", "recipient", "conversation")
_OBJECTS = ("channelData",)
_LISTS = ("entities", "attachments", "membersAdded", "membersRemoved")
# What `Activity.deserialize` builds on every call (msrest gathers the schema's models anew
# each time), built once: a deserializer keeps no state between calls.
_MODELS = {name: model for name, model in vars(schema).items() if isinstance(model, type)}
_READER = Deserializer(_MODELS)  # type: ignore[no-untyped-call]
# The 400 answer to an invoke no handler takes (botbuilder's 501 for it is no server error).
UNHANDLED_INVOKE = "not an invoke this bot handles"


def not_an_activity(problem: str) -> str:
    """The 400 answer to a body that is no activity, `problem` from `activity_problem`."""
    return f"not an activity: {problem}"


def activity_problem(body: bytes) -> str | None:
    """What keeps `body` from being an activity, or None."""
    read = read_activity(body)
    return read if isinstance(read, str) else None


def read_activity(body: bytes) -> Activity | str:
    """The activity `body` holds, deserialized once (the endpoint hands it to the adapter), or
    what keeps it from being one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "the body is not JSON"
    if not isinstance(data, dict):
        return "the body is not an object"
    problem = _field_problem(data)
    if problem is not None:
        return problem
    try:
        activity: Activity = _READER("Activity", data)
    except (ValueError, TypeError, AttributeError, KeyError):  # msrest's errors are ValueErrors
        return "the body is not an activity"
    if not activity.type:
        return "'type' is empty"
    if data["type"] == "message" and data.get("conversation") is None:
        return "a message without its 'conversation'"  # nowhere to answer it
    return activity


def _field_problem(data: dict[str, Any]) -> str | None:
    if not isinstance(data.get("type"), str):
        return "'type' is missing or not a string"
    for name in ("serviceUrl", "id", "text", "channelId", "replyToId", "locale"):
        if name in data and data[name] is not None and not isinstance(data[name], str):
            return f"'{name}' is not a string"
    if not _is_id(data.get("id"), optional=True):
        return "'id' is not an activity id"
    for name in _ACCOUNTS:
        value = data.get(name)
        if value is not None and not (isinstance(value, dict) and _has_string_id(value)):
            return f"'{name}' is not an object with a string id"
    # What people and tenants are stored under: strings, within the database's keys.
    sender, conversation = data.get("from") or {}, data.get("conversation") or {}
    if not _is_id(sender.get("aadObjectId"), optional=True):
        return "'from.aadObjectId' is not an id"
    if not _is_id(conversation.get("tenantId"), optional=True):
        return "'conversation.tenantId' is not an id"
    channel_data = data.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if tenant is not None and not (
        isinstance(tenant, dict) and _is_id(tenant.get("id"), optional=True)
    ):
        return "'channelData.tenant' is not an object with an id"
    for name in _OBJECTS:
        if data.get(name) is not None and not isinstance(data[name], dict):
            return f"'{name}' is not an object"
    for name in _LISTS:
        value = data.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            return f"'{name}' is not a list of objects"
    return None


def _has_string_id(value: dict[str, Any]) -> bool:
    """An account or conversation is named by its id: one the bot can reply to."""
    return _is_id(value.get("id"), optional=False)


def _is_id(value: object, *, optional: bool) -> bool:
    """A non-empty string the database can key by (no NUL, no longer than its keys)."""
    if value is None:
        return optional
    if not isinstance(value, str) or not 0 < len(value) <= KEY_LENGTH or "\x00" in value:
        return False
    return value.isascii() or _is_unicode(value)


def _is_unicode(text: str) -> bool:
    """No lone surrogates (JSON can carry them; UTF-8 and the database cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def service_url_of(body: bytes) -> str | None:
    """The serviceUrl of a body `activity_problem` accepted."""
    data = json.loads(body.decode("utf-8"))
    url = data.get("serviceUrl") if isinstance(data, dict) else None
    return url if isinstance(url, str) else None
