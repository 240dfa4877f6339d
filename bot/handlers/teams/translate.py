"""Read a Teams activity as the service wants it: whose conversation it is, where, its text as
plain text, and the key that makes a redelivery recognisable (the counterpart of Slack's
`bot.handlers.slack.translate`).

In channels and group chats the bot is addressed with an `<at>Name</at>` mention, listed in the
activity's entities. Only that mention is removed (once), so the bot's name elsewhere in a
question stays; other people's mentions become their plain names; HTML entities are decoded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from storage.conversations import ConversationKey

_AT_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_OTHER_TAG = re.compile(r"<[^<>]{1,200}>")
MAX_INPUT = 4000


def plain_text(text: str | None, entities: Iterable[Any] = (), recipient_id: str = "") -> str:
    text = (text or "")[: MAX_INPUT * 2]
    for entity in entities or ():
        if _entity_type(entity) != "mention":
            continue
        mentioned_id, mention_text = _mention(entity)
        if recipient_id and mentioned_id == recipient_id and mention_text:
            text = text.replace(mention_text, " ", 1)
    text = _AT_TAG.sub(lambda match: match.group(1), text)
    text = _OTHER_TAG.sub(" ", text)
    return " ".join(html.unescape(text).split())[:MAX_INPUT]


def _entity_type(entity: Any) -> str:
    if isinstance(entity, dict):
        return str(entity.get("type", ""))
    return str(getattr(entity, "type", "") or "")


def _mention(entity: Any) -> tuple[str, str]:
    """(mentioned id, mention text) from an Entity object or a plain dict."""
    data = entity if isinstance(entity, dict) else _entity_properties(entity)
    mentioned = data.get("mentioned") or {}
    mentioned_id = mentioned.get("id", "") if isinstance(mentioned, dict) else ""
    return str(mentioned_id), str(data.get("text", ""))


def _entity_properties(entity: Any) -> dict[str, Any]:
    # botbuilder's Entity keeps unknown properties (mentioned, text) in additional_properties.
    extra = getattr(entity, "additional_properties", None) or {}
    return {**extra, "type": getattr(entity, "type", "")}


PLATFORM = "teams"
PERSONAL = "personal"
# A channel conversation is a thread: the channel id and ";messageid=" the thread's first post.
THREAD_SUFFIX = ";messageid="


def conversation_key(activity: Activity) -> ConversationKey:
    """(teams, tenant, user): the AAD object id when Teams sends it, else the channel id."""
    return ConversationKey(PLATFORM, tenant_of(activity), user_of(activity))


def tenant_of(activity: Activity) -> str:
    # Teams sends the tenant as conversation.tenantId, which botbuilder 4.17 does not map
    # (it expects tenantID); channelData.tenant.id is the reliable place.
    tenant = _tenant_from_channel_data(activity) or getattr(
        activity.conversation, "tenant_id", None
    )
    return str(tenant or "unknown")


def user_of(activity: Activity) -> str:
    person = activity.from_property
    user = getattr(person, "aad_object_id", None) or (person.id if person else None)
    return str(user or "unknown")


def user_ids(activity: Activity) -> tuple[str, ...]:
    """Every id the sender goes by (AAD object id, Teams user id): ADMIN_USERS may hold either."""
    person = activity.from_property
    ids = (getattr(person, "aad_object_id", None), getattr(person, "id", None))
    return tuple(str(value) for value in ids if value)


def _tenant_from_channel_data(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") or {}
    return tenant.get("id") if isinstance(tenant, dict) else None


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return str(getattr(conversation, "conversation_type", None) or PERSONAL)


def base_conversation(activity: Activity) -> str:
    """The channel (any of its threads) or the group chat the activity is in."""
    conversation = activity.conversation.id if activity.conversation else ""
    return str(conversation or "").split(THREAD_SUFFIX, 1)[0]


def delivery_prefix(activity: Activity) -> str | None:
    """The start of the delivery keys of this conversation's activities."""
    conversation = activity.conversation.id if activity.conversation else None
    return f"teams:{conversation}:" if conversation else None


@dataclass(frozen=True)
class Message:
    """An incoming message activity, read once for every route of `dispatch`."""

    turn: TurnContext
    activity: Activity
    key: ConversationKey
    personal: bool
    delivery: str | None
    text: str  # the typed text, the bot's own mention removed

    @classmethod
    def of(cls, turn: TurnContext) -> Message:
        activity = turn.activity
        recipient = activity.recipient.id if activity.recipient else ""
        return cls(
            turn,
            activity,
            conversation_key(activity),
            conversation_type(activity) == PERSONAL,
            delivery_key(activity),
            plain_text(activity.text, activity.entities or (), recipient),
        )


def delivery_key(activity: Activity) -> str | None:
    """Teams redelivers an activity when the bot is slow: the same conversation and activity
    id, processed once. The service records the key with the turn it starts."""
    if not activity.id:
        return None
    # Without a conversation id there is no prefix (nothing to forget by): such a key keeps
    # its own form, "teams::<activity id>" (or "teams:None:<activity id>").
    prefix = delivery_prefix(activity)
    if prefix is None:
        conversation = activity.conversation.id if activity.conversation else ""
        prefix = f"teams:{conversation}:"
    return f"{prefix}{activity.id}"
