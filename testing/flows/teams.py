"""Reading what the bot sent to the fake connector: its cards and their buttons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.handlers.teams.submit import SUBMIT_KEY


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            content: dict[str, Any] = attachment["content"]
            return content
    return None


def actions(node: Any) -> Iterator[dict[str, Any]]:
    """Every action in a card, nested ActionSets and ShowCards included."""
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            yield node
        for value in node.values():
            yield from actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from actions(item)


def submits(activity: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The data of the card's Action.Submit buttons of one kind (answer, command, ask)."""
    card = card_of(activity)
    found = actions(card) if card else iter(())
    return [
        a["data"]
        for a in found
        if a.get("type") == "Action.Submit" and (a.get("data") or {}).get(SUBMIT_KEY) == kind
    ]


def text_of(activity: dict[str, Any]) -> str:
    return json.dumps(activity, ensure_ascii=False)


def is_summary(activity: dict[str, Any]) -> bool:
    return any(data.get("name") == "restart" for data in submits(activity, "command"))
