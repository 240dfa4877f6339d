"""Block Kit primitives and Slack's limits: escaping, text objects, blocks, buttons, modals,
and redrawing a question once it is answered. The documents of `bot.views` become Block Kit in
`render.py`, built on these.

Everything dynamic (user text, knowledge files) passes through `escape` before it reaches
mrkdwn, so nobody can smuggle in a mention or a link. Slack refuses a whole message over any
one limit (`invalid_blocks`, `msg_blocks_too_long`), so every limit is enforced here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.handlers.slack.ids import (
    ASK_INPUT_ACTION,
    ASK_INPUT_BLOCK,
    ASK_VIEW,
    SHARE_CHANNEL_ACTION,
    SHARE_CHANNEL_BLOCK,
    SHARE_VIEW,
)
from bot.views import catalogue
from bot.views.parts import ELLIPSIS
from bot.views.parts import cut as word_cut

# --- Slack's limits (docs.slack.dev Block Kit reference) -----------------------------------
MAX_BLOCKS = 50  # per message; a view takes MAX_VIEW_BLOCKS
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000  # section and other mrkdwn text, and a message's fallback `text`
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_PLACEHOLDER = 150
MAX_INPUT_LABEL = 2000
MAX_VIEW_TITLE = 24  # modal title, submit and close alike
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_ID = 255  # block_id, action_id, callback_id
MAX_BUTTON_VALUE = 2000
MAX_PRIVATE_METADATA = 3000
# Slack's cumulative limit on a message's blocks is undocumented: messages fail at about
# 13,000 characters, and reports show the block containers count too. We keep the text under
# 12,000 and charge each block a little on top, so a message of many small blocks stays safe.
MAX_MESSAGE_TEXT = 12_000
BLOCK_OVERHEAD = 20
ASK_MAX_LENGTH = 500

# The hint under a question's buttons: dropped with the buttons once the question is answered.
QUESTION_HINT_BLOCK = "question_hint"

# @here, @channel and @everyone notify everyone when a message is posted with link_names:
# a zero-width space after the "@" keeps the word readable and silent.
_BROADCAST = re.compile(r"@(?=here|channel|everyone)", re.IGNORECASE)


@dataclass(frozen=True)
class SlackMessage:
    text: str  # plain-text fallback (notifications, accessibility); never empty
    blocks: list[dict[str, Any]]


# --- text ---------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Silence @here, @channel and @everyone (plain_text needs only this)."""
    return _BROADCAST.sub("@\u200b", text)


def escape(text: str) -> str:
    """`text` safe in mrkdwn: the three characters Slack's markup uses for mentions and links
    (`<!channel>`, `<@U123>`, `<https://x|y>`) become entities, and broadcasts are silenced."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralise(escaped)


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary when one is near and ended
    with "…". Never splits an entity like `&amp;`, which would show as garbage."""
    shortened = word_cut(text, limit)
    if shortened == text:
        return text
    head = shortened.removesuffix(ELLIPSIS)
    amp = head.rfind("&")
    if amp >= 0 and ";" not in head[amp:] and len(head) - amp < len("&amp;"):
        head = head[:amp]
    return head.rstrip() + ELLIPSIS


# --- blocks -------------------------------------------------------------------------------


def mrkdwn(markup: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    """A mrkdwn text object. `verbatim` stops Slack's automatic parsing (bare URLs, channel
    names, some mentions) of what escaping leaves as plain words; our own markup still works.
    Slack rejects empty text: a blank reply is better shown as a dash than lost."""
    text = cut(markup if markup.strip() else "—", limit)
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int) -> dict[str, Any]:
    shown = neutralise(text) if text.strip() else "—"
    return {"type": "plain_text", "text": cut(shown, limit), "emoji": True}


def section(markup: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(markup)}


def context(*markups: str, block_id: str | None = None) -> dict[str, Any]:
    elements = [mrkdwn(markup) for markup in markups[:MAX_CONTEXT_ELEMENTS]]
    block: dict[str, Any] = {"type": "context", "elements": elements}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, MAX_HEADER)}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    """A button. Ids and values are never cut: a cut one would route the press wrongly."""
    if not 0 < len(action_id) <= MAX_ID or len(value) > MAX_BUTTON_VALUE:
        raise ValueError(f"button id or value over Slack's limits: {action_id[:40]!r}")
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if primary:
        element["style"] = "primary"
    return element


def actions(buttons: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Actions blocks holding `buttons`, as many as Slack's 25 elements per block need."""
    return [
        {"type": "actions", "elements": list(buttons[start : start + MAX_ACTIONS_ELEMENTS])}
        for start in range(0, len(buttons), MAX_ACTIONS_ELEMENTS)
    ]


def line_sections(heading: str, lines: Iterable[str]) -> list[dict[str, Any]]:
    """`heading` and `lines` (markup) packed into as few sections as the text limit allows."""
    texts: list[str] = []
    current = heading
    for raw in lines:
        line = cut(raw, MAX_TEXT - len(heading) - 1)
        if current and len(current) + 1 + len(line) > MAX_TEXT:
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    texts.append(current)
    return [section(text) for text in texts if text]


# --- fitting a message into Slack's limits --------------------------------------------------


def text_size(node: object) -> int:
    """Characters of text in blocks of any shape (ours, or whatever Slack sends back)."""
    if isinstance(node, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else text_size(value)
            for key, value in node.items()
        )
    if isinstance(node, list):
        return sum(text_size(item) for item in node)
    return 0


def message_size(blocks: Sequence[object]) -> int:
    return text_size(list(blocks)) + BLOCK_OVERHEAD * len(blocks)


def shrink_texts(blocks: list[dict[str, Any]]) -> None:
    """Last resort when pinned content alone is over the text budget: cut the longest texts.
    Our own pinned content is far below the budget; this guards blocks Slack sent back."""
    while (excess := message_size(blocks) - MAX_MESSAGE_TEXT) > 0:
        longest = max(_text_objects(blocks), key=lambda obj: len(obj["text"]), default=None)
        if longest is None or len(longest["text"]) <= 2 * len(ELLIPSIS):
            return
        longest["text"] = cut(longest["text"], max(len(longest["text"]) - excess, 2))


def _text_objects(node: object) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from _text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _text_objects(item)


# --- updating a message in place -------------------------------------------------------------


def answered_question(original_blocks: list[dict[str, Any]], answer: str | None) -> SlackMessage:
    """The question message after a button press: its buttons (and the hint about them) gone,
    the answer added. Slack sends the blocks back in its own shape, possibly with types and
    keys we never wrote, so anything that is a block is kept as it is; when they are over the
    limits, the last ones go first and a note says so."""
    kept = [
        copy.deepcopy(block)
        for block in (original_blocks if isinstance(original_blocks, list) else [])
        if isinstance(block, dict)
        and block.get("type") != "actions"
        and block.get("block_id") != QUESTION_HINT_BLOCK
    ]
    line = catalogue.SKIPPED if answer is None else catalogue.answered(answer)
    tail = [context(escape(line))]
    cut_tail = [context(catalogue.CUT_NOTICE), *tail]
    blocks = [*kept, *tail]
    while kept and not _within(blocks):
        kept.pop()
        blocks = [*kept, *cut_tail]
    shrink_texts(blocks)
    return SlackMessage(text=cut(escape(line), MAX_TEXT), blocks=blocks)


def _within(blocks: Sequence[dict[str, Any]]) -> bool:
    return len(blocks) <= MAX_BLOCKS and message_size(blocks) <= MAX_MESSAGE_TEXT


# --- views ------------------------------------------------------------------------------------


def modal(
    callback_id: str,
    private_metadata: str,
    title: str,
    submit: str | None,
    blocks: list[dict[str, Any]],
) -> dict[str, Any]:
    """A modal view; without `submit` it only informs, and its one button says "Close"."""
    # private_metadata carries the listener's state: cutting it would corrupt it, so refuse.
    if len(private_metadata) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata over {MAX_PRIVATE_METADATA} characters")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MAX_VIEW_TITLE),
        "close": plain(catalogue.CANCEL if submit else catalogue.CLOSE, MAX_VIEW_TITLE),
        "blocks": blocks,
    }
    if submit is not None:
        view["submit"] = plain(submit, MAX_VIEW_TITLE)
    if private_metadata:  # Slack drops an empty one anyway
        view["private_metadata"] = private_metadata
    return view


def share_modal(private_metadata: str) -> dict[str, Any]:
    select = {
        "type": "conversations_select",
        "action_id": SHARE_CHANNEL_ACTION,
        "placeholder": plain(catalogue.SHARE_PLACEHOLDER, MAX_PLACEHOLDER),
        "default_to_current_conversation": False,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    blocks = [
        section(escape(catalogue.SHARE_EXPLAINED)),
        {
            "type": "input",
            "block_id": SHARE_CHANNEL_BLOCK,
            "label": plain(catalogue.SHARE_LABEL, MAX_INPUT_LABEL),
            "element": select,
        },
    ]
    return modal(
        SHARE_VIEW, private_metadata, catalogue.SHARE_TITLE, catalogue.SHARE_SUBMIT, blocks
    )


def ask_modal(private_metadata: str) -> dict[str, Any]:
    field = {
        "type": "plain_text_input",
        "action_id": ASK_INPUT_ACTION,
        "max_length": ASK_MAX_LENGTH,
        "placeholder": plain(catalogue.ASK_PLACEHOLDER, MAX_PLACEHOLDER),
    }
    blocks = [
        {
            "type": "input",
            "block_id": ASK_INPUT_BLOCK,
            "label": plain(catalogue.ASK_LABEL, MAX_INPUT_LABEL),
            "hint": plain(catalogue.ASK_HINT, MAX_INPUT_LABEL),
            "element": field,
        }
    ]
    return modal(ASK_VIEW, private_metadata, catalogue.ASK_BUTTON, catalogue.ASK_SUBMIT, blocks)
