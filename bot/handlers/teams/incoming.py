"""Turn the text Teams sends into the plain text the engine understands.

In channels and group chats the bot is addressed with an `<at>Name</at>` mention, listed in the
activity's entities. Only that mention is removed (once), so the bot's name elsewhere in a
question stays; other people's mentions become their plain names; HTML entities are decoded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

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
