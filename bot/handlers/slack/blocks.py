"""Block Kit for the engine's neutral replies: the Slack twin of `console_render.py`.

Two rules hold for every message built here. Everything dynamic (user text, knowledge files)
passes through `escape` before it reaches mrkdwn, so nobody can smuggle in a mention or a link.
And every Slack limit is enforced here, by cutting text or dropping the least important content,
because Slack refuses a whole message over any one limit (`invalid_blocks`,
`msg_blocks_too_long`) and the knowledge files are edited by admins, not by us.

The summary card and the App Home tab live in `blocks_summary.py`, built on the helpers below.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    ExplanationReply,
    NoticeLevel,
    NoticeReply,
    OptionInfoReply,
    OptionView,
    QuestionReply,
    Renderers,
    Reply,
    SnippetView,
    Summary,
)
from bot.engine.turn import Command
from bot.handlers.slack.ids import (
    ASK_INPUT_ACTION,
    ASK_INPUT_BLOCK,
    ASK_VIEW,
    SHARE_CHANNEL_ACTION,
    SHARE_CHANNEL_BLOCK,
    SHARE_VIEW,
    AnswerButton,
    command_action_id,
)
from bot.handlers.texts import ELLIPSIS, MAX_PROMPT_ECHO, clarification_lead
from bot.handlers.texts import cut as word_cut

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
ASK_HINT = "I answer with the best-matching points from the articles, with their sources."

CUT_NOTICE = "…cut to fit Slack's limits"
# Content that must survive every cut (header, recommendation, prompt, buttons).
PINNED = 100
# The hint under a question's buttons: dropped with the buttons once the question is answered.
QUESTION_HINT_BLOCK = "question_hint"

SLASH_COMMANDS = (
    ("/ai-owner start", "start the diagnostic, about a dozen questions"),
    (
        "/ai-owner ask <question>",
        "search the articles, e.g. /ai-owner ask who should own the budget?",
    ),
    ("/ai-owner pulse", "launch an anonymous team pulse survey in this channel"),
    (
        "/ai-owner pulse close | results | export",
        "close this channel's survey, show its results again, or get them as CSV",
    ),
    ("/ai-owner forget-me", "delete everything I keep about you (I ask first)"),
    ("/ai-owner help", "this help"),
)
INTRO = (
    "I help you decide who should own AI work: IT, the business, a dedicated AI leader or a "
    "shared model."
)

# @here, @channel and @everyone notify everyone when a message is posted with link_names:
# a zero-width space after the "@" keeps the word readable and silent.
_BROADCAST = re.compile(r"@(?=here|channel|everyone)", re.IGNORECASE)
_NOTICE_PREFIX = {NoticeLevel.INFO: "", NoticeLevel.WARNING: "⚠️ ", NoticeLevel.ERROR: "❌ "}


@dataclass(frozen=True)
class SlackMessage:
    text: str  # plain-text fallback (notifications, accessibility); never empty
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class Chunk:
    """Blocks that stay or go together (a snippet and its source), and how much they matter:
    when a message is over Slack's limits the lowest priority goes first, later before earlier
    among equals, and PINNED never goes. A chunk that `follows` continues the one before it
    (the rest of a list under its heading) and is never shown without it."""

    blocks: tuple[dict[str, Any], ...]
    priority: int = PINNED
    follows: bool = False


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


def quoted(snippet: SnippetView) -> str:
    text = escape(snippet.text)
    return f"“{text}”" if snippet.quote else text


def source_line(snippet: SnippetView) -> str:
    author = f", {escape(snippet.source.author)}" if snippet.source.author else ""
    return f"— _{escape(snippet.source.title)}_{author}"


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


def command_button(label: str, command: Command, *, primary: bool = False) -> dict[str, Any]:
    return button(label, command_action_id(command.value), command.value, primary=primary)


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


def line_chunks(heading: str, lines: Sequence[str], priority: int) -> list[Chunk]:
    """A headed list as chunks of one section each, so a cut keeps as much of it as fits."""
    if not lines:
        return []
    sections = line_sections(heading, lines)
    return [Chunk((block,), priority, follows=n > 0) for n, block in enumerate(sections)]


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


def fit(chunks: Sequence[Chunk], max_blocks: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """The chunks' blocks within `max_blocks` and MAX_MESSAGE_TEXT: the least important chunks
    are dropped until the rest fits, then smaller ones that now fit again come back (a long
    chunk gone can leave room for a short, less important one), and a CUT_NOTICE says so."""
    kept = set(range(len(chunks)))
    droppable = [i for i, chunk in enumerate(chunks) if chunk.priority < PINNED]
    for index in sorted(droppable, key=lambda i: (chunks[i].priority, -i)):
        if _within(_assemble(chunks, kept), max_blocks):
            break
        kept -= {index, *_continuations(chunks, index)}
    for index in sorted(set(droppable) - kept, key=lambda i: (-chunks[i].priority, i)):
        orphan = chunks[index].follows and index - 1 not in kept
        if not orphan and _within(_assemble(chunks, kept | {index}), max_blocks):
            kept.add(index)
    blocks = _assemble(chunks, kept)
    if len(blocks) > max_blocks:
        raise ValueError("pinned content alone exceeds Slack's block limit")
    _shrink_texts(blocks)
    return blocks


def _continuations(chunks: Sequence[Chunk], index: int) -> list[int]:
    following = index + 1
    while following < len(chunks) and chunks[following].follows:
        following += 1
    return list(range(index + 1, following))


def _within(blocks: Sequence[dict[str, Any]], max_blocks: int) -> bool:
    return len(blocks) <= max_blocks and message_size(blocks) <= MAX_MESSAGE_TEXT


def _assemble(chunks: Sequence[Chunk], kept: set[int]) -> list[dict[str, Any]]:
    """The kept chunks' blocks in order; after a cut, the notice goes before the pinned tail
    (the buttons), so the reader sees that content is missing and still has every button."""
    parts = [chunks[i] for i in sorted(kept)]
    if len(kept) < len(chunks):
        tail = len(parts)
        while tail > 0 and parts[tail - 1].priority >= PINNED:
            tail -= 1
        parts.insert(tail, Chunk((context(CUT_NOTICE),)))
    return [block for chunk in parts for block in chunk.blocks]


def _shrink_texts(blocks: list[dict[str, Any]]) -> None:
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


def message(chunks: Sequence[Chunk], fallback: str) -> SlackMessage:
    """A message of `chunks`; `fallback` is raw text (escaped here: Slack parses it too)."""
    text = escape(fallback).strip() or "AI Ownership Advisor"
    return SlackMessage(text=cut(text, MAX_TEXT), blocks=fit(chunks))


# --- the replies ----------------------------------------------------------------------------


def render(reply: Reply) -> SlackMessage:
    return _RENDERERS.draw(reply)


def render_all(replies: Sequence[Reply]) -> list[SlackMessage]:
    return [render(reply) for reply in replies]


def _answer_buttons(question_id: str, options: Sequence[OptionView]) -> list[dict[str, Any]]:
    return [_answer_button(question_id, option) for option in options]


def _answer_button(question_id: str, option: OptionView) -> dict[str, Any]:
    choice = AnswerButton(question_id, option.id)
    return button(f"{option.letter}. {option.label}", choice.action_id, choice.value)


def _numbered(options: Sequence[OptionView]) -> str:
    return "\n".join(f"{option.number}) {option.letter}. {option.label}" for option in options)


def _question(reply: QuestionReply) -> SlackMessage:
    commands = [command_button("Back", Command.BACK)] if reply.can_go_back else []
    commands += [
        command_button("Skip", Command.SKIP),
        command_button("Why?", Command.WHY),
        command_button("Help", Command.HELP),
    ]
    blocks = (
        context(f"Question {reply.number} of {reply.total} · {escape(reply.dimension)}"),
        section(f"*{escape(reply.prompt)}*"),
        *actions(_answer_buttons(reply.question_id, reply.options)),
        *actions(commands),
        context("…or type a number, a letter or your own words.", block_id=QUESTION_HINT_BLOCK),
    )
    title = f"Question {reply.number} of {reply.total} · {reply.dimension}"
    return message([Chunk(blocks)], f"{title}: {reply.prompt}\n{_numbered(reply.options)}")


def _clarification(reply: ClarificationReply) -> SlackMessage:
    lead = clarification_lead(reply)
    commands = [command_button("Skip", Command.SKIP)]
    if reply.can_show_all:
        commands.insert(0, command_button("None of these: show all", Command.OPTIONS))
    blocks = (
        context(escape(cut(reply.prompt, MAX_PROMPT_ECHO))),
        section(escape(lead)),
        *actions(_answer_buttons(reply.question_id, reply.candidates)),
        *actions(commands),
    )
    return message([Chunk(blocks)], f"{lead}\n{_numbered(reply.candidates)}")


def _acknowledgement(reply: AcknowledgementReply) -> SlackMessage:
    if reply.answer is None:
        line = f"↷ Skipped: {reply.dimension}"
        return message([Chunk((context(escape(line)),))], line)
    line = f"✓ *{escape(reply.dimension)}*: {escape(reply.answer)}"
    chunks = [Chunk((context(line),))]
    if reply.echo is not None:
        echo = context(f"↳ {quoted(reply.echo)}", source_line(reply.echo))
        chunks.append(Chunk((echo,), priority=50))
    return message(chunks, f"✓ {reply.dimension}: {reply.answer}")


def snippet_chunks(snippets: Sequence[SnippetView], bullet: str) -> list[Chunk]:
    """One chunk per snippet (text, then its source), later snippets dropped first."""
    return [
        Chunk(
            (section(f"{bullet.format(n=n)} {quoted(snippet)}"), context(source_line(snippet))),
            priority=50 - min(n, 40),
        )
        for n, snippet in enumerate(snippets, 1)
    ]


def _answer(reply: AnswerReply) -> SlackMessage:
    # A slash command's text is not shown in the channel: repeat the question for context.
    query = " ".join(reply.query.split())
    asked = [Chunk((context(f"You asked: _{escape(cut(query, 300))}_"),))] if query else []
    if not reply.hits:
        text = (
            "I found nothing on that in the articles. Try other words, for example "
            "`ask who should own the AI budget?`"
        )
        return message([*asked, Chunk((section(text),))], text)
    lead = Chunk((section("*From the articles:*"),))
    chunks = [*asked, lead, *snippet_chunks(reply.hits, "{n}.")]
    return message(chunks, f"From the articles: {reply.hits[0].text}")


def _explanation(reply: ExplanationReply) -> SlackMessage:
    lead = Chunk((section(f"*Why we ask:* {escape(reply.why)}"),))
    chunks = [lead, *snippet_chunks(reply.snippets, "•")]
    return message(chunks, f"Why we ask: {reply.why}")


def _option_info(reply: OptionInfoReply) -> SlackMessage:
    chunks: list[Chunk] = []
    for info in reply.options:
        name = f"{info.option.letter}) {info.option.label}"
        chunks.append(Chunk((section(f"*{escape(name)}*: {escape(info.description)}"),)))
        chunks.extend(snippet_chunks(info.snippets[:1], "•"))
    first = reply.options[0] if reply.options else None
    fallback = f"{first.option.label}: {first.description}" if first else "The options"
    return message(chunks, fallback)


def _notice(reply: NoticeReply) -> SlackMessage:
    text = _NOTICE_PREFIX[reply.level] + reply.text
    return message([Chunk((section(_NOTICE_PREFIX[reply.level] + escape(reply.text)),))], text)


def help_message(
    commands: Sequence[tuple[str, str]], *, unknown: str | None = None
) -> SlackMessage:
    chunks: list[Chunk] = []
    lead = INTRO
    # Shown as code: backticks and line breaks would end the code span early. A bare
    # `/ai-owner` (nothing typed) just gets the help.
    shown = cut(" ".join((unknown or "").replace("`", "'").split()), 100)
    if shown:
        chunks.append(Chunk((section(f"I don't know `{escape(shown)}`."),)))
        lead = f"I don't know `{shown}`. {INTRO}"
    slash = [f"`{escape(name)}` — {escape(what)}" for name, what in SLASH_COMMANDS]
    words = [f"`{escape(name)}` — {escape(what)}" for name, what in commands]
    chunks += [
        Chunk((section(INTRO),)),
        Chunk(tuple(line_sections("*Slash commands*", slash))),
        *line_chunks("*In a direct message with me, type:*", words, priority=50),
    ]
    return message(chunks, lead)


# --- updating a message in place -------------------------------------------------------------


def answered_question(original_blocks: list[dict[str, Any]], answer: str | None) -> SlackMessage:
    """The question message after a button press: its buttons (and the hint about them) gone,
    the answer added. Slack sends the blocks back in its own shape, possibly with types and
    keys we never wrote, so anything that is a block is kept as it is."""
    kept = [
        copy.deepcopy(block)
        for block in (original_blocks if isinstance(original_blocks, list) else [])
        if isinstance(block, dict)
        and block.get("type") != "actions"
        and block.get("block_id") != QUESTION_HINT_BLOCK
    ]
    line = "↷ Skipped" if answer is None else f"✓ Your answer: {answer}"
    chunks = [Chunk((block,), priority=10) for block in kept]
    chunks.append(Chunk((context(escape(line)),)))
    return message(chunks, line)


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
        "close": plain("Cancel" if submit else "Close", MAX_VIEW_TITLE),
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
        "placeholder": plain("Choose a channel", MAX_PLACEHOLDER),
        "default_to_current_conversation": False,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    blocks = [
        section(
            "The channel sees your recommendation, its scores, the reasons and the next steps. "
            "Your answers stay private."
        ),
        {
            "type": "input",
            "block_id": SHARE_CHANNEL_BLOCK,
            "label": plain("Post the summary to", MAX_INPUT_LABEL),
            "element": select,
        },
    ]
    return modal(SHARE_VIEW, private_metadata, "Share your result", "Share", blocks)


def ask_modal(private_metadata: str) -> dict[str, Any]:
    field = {
        "type": "plain_text_input",
        "action_id": ASK_INPUT_ACTION,
        "max_length": ASK_MAX_LENGTH,
        "placeholder": plain("How should we measure AI success?", MAX_PLACEHOLDER),
    }
    blocks = [
        {
            "type": "input",
            "block_id": ASK_INPUT_BLOCK,
            "label": plain("Your question", MAX_INPUT_LABEL),
            "hint": plain(ASK_HINT, MAX_INPUT_LABEL),
            "element": field,
        }
    ]
    return modal(ASK_VIEW, private_metadata, "Ask a question", "Ask", blocks)


# The summary card builds on the helpers above, so it is imported where it is used: a
# module-level import would be circular.


def summary_message(summary: Summary, *, shared_by: str | None = None) -> SlackMessage:
    from bot.handlers.slack import blocks_summary

    return blocks_summary.summary_message(summary, shared_by=shared_by)


def home_view(latest: Summary | None, in_progress: bool) -> dict[str, Any]:
    from bot.handlers.slack import blocks_summary

    return blocks_summary.home_view(latest, in_progress)


_RENDERERS: Renderers[SlackMessage] = Renderers(
    question=_question,
    clarification=_clarification,
    acknowledgement=_acknowledgement,
    summary=lambda reply: summary_message(reply.summary),
    answer=_answer,
    explanation=_explanation,
    option_info=_option_info,
    help=lambda reply: help_message(reply.commands),
    notice=_notice,
)
