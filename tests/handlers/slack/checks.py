"""Assertions every Slack message and view must pass: slack_sdk's own validation, the limits
slack_sdk does not check (50 blocks, the cumulative text), and mrkdwn safety."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.handlers.slack.blocks import SlackMessage

MAX_MESSAGE_TEXT = 12_000
BROADCAST = re.compile(r"@(here|channel|everyone)", re.IGNORECASE)
# In mrkdwn, outside the mentions we build on purpose, "&" may only start an entity.
ESCAPED = re.compile(r"(?:[^&<>]|&amp;|&lt;|&gt;)*", re.DOTALL)
# A source's link: a URL the knowledge admits (bot.knowledge.model.Url) and an escaped label.
SOURCE_LINK = re.compile(r"<https?://[^\s<>|\"'`()\[\]{}\\]+\|(?:[^&<>]|&amp;|&lt;|&gt;)*>")


def text_objects(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text"):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def text_total(blocks: list[dict[str, Any]]) -> int:
    return sum(len(obj["text"]) for obj in text_objects(blocks))


def all_text(node: object) -> str:
    return json.dumps(node, ensure_ascii=False)


def assert_valid_blocks(blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        # to_dict() validates every limit slack_sdk knows; equality proves no key was unknown.
        assert parsed.to_dict() == block
        _assert_block_limits(block)
    assert text_total(blocks) <= MAX_MESSAGE_TEXT
    for obj in text_objects(blocks):
        assert obj["text"].strip(), blocks


def _assert_block_limits(block: dict[str, Any]) -> None:
    assert len(block.get("block_id", "")) <= 255
    kind = block["type"]
    if kind == "section":
        assert len(block["text"]["text"]) <= 3000
    elif kind == "header":
        assert len(block["text"]["text"]) <= 150
    elif kind == "context":
        assert 0 < len(block["elements"]) <= 10
        assert all(len(element["text"]) <= 3000 for element in block["elements"])
    elif kind == "actions":
        assert 0 < len(block["elements"]) <= 25
        for element in block["elements"]:
            assert len(element["text"]["text"]) <= 75
            assert 0 < len(element["action_id"]) <= 255
            assert len(element["value"]) <= 2000


def assert_valid_message(message: SlackMessage) -> None:
    assert isinstance(message, SlackMessage)
    assert message.text.strip()
    assert len(message.text) <= 3000
    assert_valid_blocks(message.blocks)


def assert_valid_view(view: dict[str, Any]) -> None:
    assert View(**view).to_dict() == view
    assert_valid_blocks(view["blocks"], max_blocks=100)


def assert_safe(node: object, fallback: str = "", mentions: tuple[str, ...] = ()) -> None:
    """No broadcast anywhere, and in mrkdwn (the fallback text is mrkdwn too) no markup but
    entities, the `mentions` we put there on purpose, and sources' links."""
    markups = [fallback] if fallback else []
    for obj in text_objects(node):
        assert not BROADCAST.search(obj["text"]), obj
        if obj["type"] == "mrkdwn":
            markups.append(obj["text"])
    for markup in markups:
        assert not BROADCAST.search(markup), markup
        for mention in mentions:
            markup = markup.replace(mention, "")
        markup = SOURCE_LINK.sub("", markup)
        assert ESCAPED.fullmatch(markup), markup
        assert "<!" not in markup
        assert "<@" not in markup


def assert_safe_message(message: SlackMessage, mentions: tuple[str, ...] = ()) -> None:
    assert_safe(message.blocks, message.text, mentions)
