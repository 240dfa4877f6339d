"""Assertions every Teams message must pass: the official Adaptive Card 1.5 schema, what the
schema cannot say (Teams' size limit, wrapping, at most 6 actions per set, button data that
reads back), and markdown safety, checked by a scanner written independently of the
renderer's escaping."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from botbuilder.schema import ConversationParameters
from jsonschema import Draft6Validator

from bot.handlers.teams.card_body import FinishedCard
from bot.handlers.teams.cards import TeamsMessage
from bot.handlers.teams.submit import ASK_INPUT_ID, SUBMIT_KEY, Submitted, parse_submit

SCHEMA_PATH = Path(__file__).parents[2] / "fixtures" / "teams" / "adaptive-card-1.5.schema.json"
MAX_CARD_BYTES = 25_000
MAX_ACTIONS = 6  # Teams' host config: more would go to an overflow menu
# Markdown characters that only ever come from dynamic text, never from our own markup: each
# must be backslash-escaped wherever it appears. (Our markup is `*`/`**` emphasis only.)
NEVER_RAW = set("_[]<>`~&")
# Line starts that make a heading, list item or setext underline.
_LINE_MARKER = re.compile(r"^ *(?:[#=+-]|\d{1,9}[.)])")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
# A source's link, which we make on purpose: a label whose every markdown character is escaped,
# and a URL the knowledge admits (bot.knowledge.model.Url).
_SOURCE_LINK = re.compile(r"\[(?:\\.|[^\\\[\]_<>`~&])*\]\(https?://[^\s<>|\"'`()\[\]{}\\]+\)")


@cache
def validator() -> Draft6Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    return Draft6Validator(schema)


def schema_errors(card: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}"
        for error in validator().iter_errors(card)
    ]


def compact(node: object, *, ascii_only: bool = False) -> bytes:
    return json.dumps(node, separators=(",", ":"), ensure_ascii=ascii_only).encode("utf-8")


def walk(node: object) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def of_type(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in walk(card) if node.get("type") == kind]


def markdown_texts(card: dict[str, Any]) -> list[str]:
    """Every string Teams reads as markdown: TextBlock texts and FactSet titles and values."""
    texts = [block["text"] for block in of_type(card, "TextBlock")]
    for fact_set in of_type(card, "FactSet"):
        for fact in fact_set["facts"]:
            texts += [fact["title"], fact["value"]]
    return texts


def unescape(markup: str) -> str:
    return _UNESCAPE.sub(r"\1", markup)


def unescaped_markup(markup: str) -> list[str]:
    """The markdown in `markup` that is not escaped (empty: nothing dynamic can have made a
    link, image, tag, code span, heading or list), beyond our own emphasis and sources'
    links."""
    markup = _SOURCE_LINK.sub("", markup)
    problems: list[str] = []
    index = 0
    while index < len(markup):
        character = markup[index]
        if character == "\\":
            if index + 1 == len(markup):
                problems.append("a trailing backslash")
            index += 2
            continue
        if character in NEVER_RAW:
            problems.append(f"{character!r} at {index}")
        index += 1
    # The first line may start with our own "1." numbering; no later line may start a block.
    for number, line in enumerate(markup.split("\n")[1:], 2):
        if _LINE_MARKER.match(line):
            problems.append(f"line {number} starts with {line[:5]!r}")
    return problems


def submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    return of_type(card, "Action.Submit")


def action_titles(card: dict[str, Any]) -> list[str]:
    return [node["title"] for node in walk(card) if str(node.get("type", "")).startswith("Action.")]


def assert_valid_card(card: dict[str, Any]) -> None:
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    errors = schema_errors(card)
    assert not errors, errors[:5]
    assert len(compact(card)) < MAX_CARD_BYTES
    assert len(compact(card, ascii_only=True)) < MAX_CARD_BYTES
    assert card["body"]
    for block in of_type(card, "TextBlock"):
        assert block["wrap"] is True, block
        assert block["text"].strip(), block
    for action_set in of_type(card, "ActionSet"):
        assert 0 < len(action_set["actions"]) <= MAX_ACTIONS
    assert len(card.get("actions", [])) <= MAX_ACTIONS
    for action in submits(card):
        assert isinstance(parse_submit(submitted_value(action)), Submitted), action
    for title in action_titles(card):
        assert title.strip()
        assert len(title) <= 80


def submitted_value(action: dict[str, Any]) -> dict[str, Any]:
    """What Teams sends when `action` is pressed: its data, merged with the card's inputs."""
    data = dict(action["data"])
    if data.get(SUBMIT_KEY) == "ask":
        data[ASK_INPUT_ID] = "how should we measure AI success?"
    return data


def assert_safe_card(card: dict[str, Any]) -> None:
    """No markdown from dynamic text anywhere, and no tag at all (buttons included)."""
    for text in markdown_texts(card):
        assert not unescaped_markup(text), (unescaped_markup(text)[:5], text[:300])
    for title in action_titles(card):
        assert "<" not in title
        assert ">" not in title
    dumped = json.dumps(card, ensure_ascii=False)
    assert "<at>" not in dumped.lower()
    assert "</at>" not in dumped.lower()


def assert_valid_message(message: TeamsMessage) -> None:
    assert isinstance(message, TeamsMessage)
    assert message.text.strip()
    assert len(message.text) <= 1000
    assert "<" not in message.text
    assert ">" not in message.text
    assert message.card is not None
    assert_valid_card(message.card)
    assert_safe_card(message.card)


def with_plain_cards(model: Any) -> Any:
    """A copy of `model` (an Activity, or ConversationParameters with one) whose finished
    cards are plain dicts: what msrest alone is given to serialize, for comparisons."""
    copied = copy.deepcopy(model)
    activity = copied.activity if isinstance(copied, ConversationParameters) else copied
    for attachment in activity.attachments or ():
        if isinstance(attachment.content, FinishedCard):
            attachment.content = dict(attachment.content)
    return copied
