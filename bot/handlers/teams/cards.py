"""Adaptive Card primitives and Teams' limits: escaping, TextBlocks, actions, fact sets, the
ask form and the card's size. The documents of `bot.views` become cards in `render.py`, built on
these.

* Only Adaptive Cards 1.5 (the newest Teams renders on desktop and mobile), and every TextBlock
  wraps: Teams clips a TextBlock that does not.
* Teams reads a TextBlock's text (and a FactSet's titles and values) as markdown. Everything
  dynamic passes through `escape`, so nobody can smuggle in a link, an image, a heading or an
  HTML-ish `<at>` mention.
* Teams refuses cards above about 28-40 KB: every card stays under MAX_CARD_BYTES.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.handlers.teams.submit import ASK_INPUT_ID, ask_data
from bot.views import catalogue
from bot.views.parts import ELLIPSIS, cut

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams refuses cards above about 28 KB (some clients 40 KB). Measured on the JSON as it goes
# on the wire (compact, non-ASCII as \u escapes: never smaller than the UTF-8 form).
MAX_CARD_BYTES = 25_000
MAX_FALLBACK = 1000  # TeamsMessage.text: the notification and accessibility summary
# Raw characters of one text, before escaping: long enough for every knowledge text (the schema
# allows 2000), short enough that a hostile 10,000-character string cannot crowd out the rest.
MAX_TEXT = 2000
MAX_SNIPPET = 1000  # knowledge snippets are at most 600
MAX_NAME = 150  # dimension, model and option names (at most 75 in the knowledge)
MAX_SOURCE = 300
MAX_QUERY = 300
MAX_TITLE = 80  # a button's title: "a. " and a 75-character label
MAX_FACTS = 10  # facts per FactSet, so a cut keeps as many rows as fit
ASK_MAX_LENGTH = 500
BAR_WIDTH = 10


@dataclass(frozen=True)
class TeamsMessage:
    text: str  # plain-text fallback / notification summary, never empty, at most MAX_FALLBACK
    card: dict[str, Any] | None  # Adaptive Card content (version 1.5), None for plain text
    acknowledgement: bool = False  # may be merged on top of the card that follows


# --- text ---------------------------------------------------------------------------------

# Markdown that Teams understands anywhere in a line: emphasis (* _ ~), links and images ([ ]),
# code (`), HTML-ish tags and autolinks (< >), entities (&), and the escape character itself.
MARKUP_CHARACTERS = "\\*_~[]`<>&"
_MARKUP_CHARACTER = re.compile(r"[\\*_~\[\]`<>&]")
# ...and at the start of a line: headings (#), list items (- + 1. 1)), setext underlines (=).
_LINE_MARKER = re.compile(r"^([ ]*)([#=+-])", re.MULTILINE)
_ORDERED_MARKER = re.compile(r"^([ ]*\d{1,9})([.)])", re.MULTILINE)
# Bidirectional overrides and isolates: they would let a text display reversed.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Control characters (Unicode category Cc: U+0000-001F and U+007F-009F) but the line break.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without control characters (line breaks stay, tabs become spaces)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", _BIDI.sub("", text))


def escape(text: str) -> str:
    """`text` safe in a TextBlock: every markdown character is backslash-escaped (CommonMark
    escapes, which Teams honours), so it shows literally and can never make a link, image,
    heading, list, code span or `<at>` tag."""
    escaped = _MARKUP_CHARACTER.sub(lambda match: "\\" + match.group(0), text)
    escaped = _LINE_MARKER.sub(r"\1\\\2", escaped)
    return _ORDERED_MARKER.sub(r"\1\\\2", escaped)


def markup(text: str, limit: int = MAX_TEXT) -> str:
    """Raw (user or knowledge) text as TextBlock markdown: cleaned, cut and escaped."""
    return escape(cut(clean(text).strip(), limit))


def one_line(text: str, limit: int) -> str:
    """Like `markup`, with every run of whitespace (line breaks too) made one space."""
    return escape(cut(" ".join(clean(text).split()), limit))


def plain(text: str, limit: int) -> str:
    """Text Teams shows as it is (button titles, the fallback): cleaned and cut; the angle
    brackets become look-alikes so no `<at>` or other tag ever appears."""
    shown = clean(text).replace("<", "\u2039").replace(">", "\u203a").strip()
    return cut(shown, limit)


# --- elements -------------------------------------------------------------------------------


def text_block(
    text: str,
    *,
    subtle: bool = False,
    bold: bool = False,
    size: str | None = None,
    color: str | None = None,
    monospace: bool = False,
    spacing: str | None = None,
    is_heading: bool = False,
) -> dict[str, Any]:
    """A TextBlock of `text` (markdown: escape anything dynamic first). It always wraps; a
    blank text shows as a dash rather than an empty line."""
    block: dict[str, Any] = {"type": "TextBlock", "text": text if text.strip() else "—"}
    block["wrap"] = True
    if is_heading:
        block["style"] = "heading"
    if subtle:
        block["isSubtle"] = True
    if bold:
        block["weight"] = "bolder"
    if size:
        block["size"] = size
    if color:
        block["color"] = color
    if monospace:
        block["fontType"] = "monospace"
    if spacing:
        block["spacing"] = spacing
    return block


def heading(text: str) -> dict[str, Any]:
    return text_block(text, bold=True, spacing="medium")


def submit(title: str, data: dict[str, str], *, style: str | None = None) -> dict[str, Any]:
    """An Action.Submit with a one-line title. Its data is never cut: a cut one would route
    the press wrongly."""
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": plain(" ".join(title.split()), MAX_TITLE),
    }
    action["data"] = data
    if style:
        action["style"] = style
    return action


def action_set(actions: Sequence[dict[str, Any]], spacing: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "ActionSet", "actions": list(actions)}
    if spacing:
        block["spacing"] = spacing
    return block


def fact_sets(facts: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """FactSets of (title, value) markdown pairs, MAX_FACTS facts each."""
    return [
        {
            "type": "FactSet",
            "facts": [
                {"title": title, "value": value} for title, value in facts[i : i + MAX_FACTS]
            ],
        }
        for i in range(0, len(facts), MAX_FACTS)
    ]


def ask_action() -> dict[str, Any]:
    """The "Ask a question" button: opens a one-field form below it, sent with ask_data()."""
    field = {
        "type": "Input.Text",
        "id": ASK_INPUT_ID,
        "label": catalogue.ASK_LABEL,
        "placeholder": catalogue.ASK_PLACEHOLDER,
        "maxLength": ASK_MAX_LENGTH,
        "isRequired": True,
        "errorMessage": catalogue.ASK_EMPTY,
    }
    form = {
        "type": "AdaptiveCard",
        "body": [field, text_block(escape(catalogue.ASK_HINT), subtle=True, size="small")],
        "actions": [submit(catalogue.ASK_SUBMIT, ask_data(), style="positive")],
    }
    return {"type": "Action.ShowCard", "title": catalogue.ASK_BUTTON, "card": form}


# --- fitting a card into the size limit -------------------------------------------------------


def card_bytes(card: dict[str, Any]) -> int:
    """The card's size as it goes on the wire: compact JSON, non-ASCII as escapes (which is
    never smaller than compact UTF-8)."""
    return len(json.dumps(card, separators=(",", ":")))


def adaptive_card(body: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}


def shrink_texts(card: dict[str, Any]) -> None:
    """Last resort when pinned content alone is over the limit (a hostile notice of emoji):
    cut the longest texts until the card fits."""
    while (excess := card_bytes(card) - MAX_CARD_BYTES) > 0:
        texts = list(_texts(card))
        owner, key = max(texts, key=lambda item: _size(item[0][item[1]]), default=({}, ""))
        text = owner.get(key, "")
        if len(text) <= 2 * len(ELLIPSIS):
            raise ValueError("a card's fixed content exceeds Teams' size limit")
        per_character = max(_size(text) // len(text), 1)
        owner[key] = _cut_markup(text, max(len(text) - excess // per_character - 1, 2))


def _cut_markup(text: str, limit: int) -> str:
    """`cut` for escaped text: never leaves a lone backslash that would escape the "…"."""
    head = cut(text, limit).removesuffix(ELLIPSIS)
    if (len(head) - len(head.rstrip("\\"))) % 2:
        head = head[:-1]
    return head + ELLIPSIS


def _size(text: str) -> int:
    return len(json.dumps(text))


def _texts(node: object) -> Iterable[tuple[dict[str, Any], str]]:
    """(owner, key) of every TextBlock text, fact and button title, anywhere in a card."""
    if isinstance(node, dict):
        for key in ("text", "title", "value"):
            if isinstance(node.get(key), str):
                yield node, key
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)
