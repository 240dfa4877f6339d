"""Adaptive Cards for the engine's neutral replies: the Teams twin of `slack/blocks.py` and
`console_render.py`, with the same content, wording and cut priorities.

Three rules hold for every card built here:

* Only Adaptive Cards 1.5 (the newest Teams renders on desktop and mobile), and every TextBlock
  wraps: Teams clips a TextBlock that does not.
* Teams reads a TextBlock's text (and a FactSet's titles and values) as markdown. Everything
  dynamic (user text, knowledge files) passes through `escape`, so nobody can smuggle in a link,
  an image, a heading or an HTML-ish `<at>` mention; our own markup is only bold and italics.
* Teams refuses cards above about 28-40 KB, so every card stays under MAX_CARD_BYTES: the least
  important content goes first (exactly as on Slack), then overlong texts are cut at a word
  boundary with "…". The knowledge files are edited by admins, not by us.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
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
from bot.handlers.teams.submit import ASK_INPUT_ID, answer_data, ask_data, command_data
from bot.handlers.texts import ELLIPSIS, MAX_PROMPT_ECHO, clarification_lead, cut

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
ASK_HINT = "I answer with the best-matching points from the articles, with their sources."
BAR_WIDTH = 10

TITLE = "Your AI ownership summary"
CUT_NOTICE = "…cut to fit Teams' limits"
# Content that must survive every cut (header, recommendation, prompt, buttons).
PINNED = 100

INTRO = (
    "I help you decide who should own AI work: IT, the business, a dedicated AI leader or a "
    "shared model."
)
_WELCOME_DETAIL = (
    "Four published articles disagree on it. About a dozen questions weigh your situation "
    "against their arguments and recommend an ownership model, with the reasons, the strongest "
    "other view and three next steps."
)
_WELCOME_PERSONAL = "Say hi or press Start to begin, and type help at any point."
_WELCOME_TEAM = (
    "@mention me with a question, for example: who should own the AI budget? Or chat with me "
    "privately to take the diagnostic."
)
_CHANNEL_HELP = (
    "In a channel, @mention me with a question. In our personal chat, forget-me deletes "
    "everything I keep about you (I ask first)."
)
_QUESTION_HINT = "…or type a number, a letter or your own words."
_NOTHING_FOUND = (
    "I found nothing on that in the articles. Try other words, for example "
    "`ask who should own the AI budget?`"
)
_NOTICE_PREFIX = {NoticeLevel.INFO: "", NoticeLevel.WARNING: "⚠️ ", NoticeLevel.ERROR: "❌ "}
_NOTICE_COLOR = {
    NoticeLevel.INFO: None,
    NoticeLevel.WARNING: "warning",
    NoticeLevel.ERROR: "attention",
}

# What the summary card keeps longest when the size limit forces a cut (higher stays longer;
# the header, recommendation, clarity and buttons are pinned). The same as Slack's.
_SCORES = 80
_NEXT_STEPS = 70
_FOOTER = 60
_WHY = 50  # the first reason; further ones rank below the other view
_LEANINGS = 40
_OTHER_VIEW = 30
_MORE_WHY = 20


@dataclass(frozen=True)
class TeamsMessage:
    text: str  # plain-text fallback / notification summary, never empty, at most MAX_FALLBACK
    card: dict[str, Any] | None  # Adaptive Card content (version 1.5), None for plain text
    acknowledgement: bool = False  # may be merged on top of the card that follows


@dataclass(frozen=True)
class Chunk:
    """Card elements that stay or go together (a snippet and its source), and how much they
    matter: when a card is over the size limit the lowest priority goes first, later before
    earlier among equals, and PINNED never goes. A chunk that `follows` continues the one
    before it (the rest of a list under its heading) and is never shown without it."""

    elements: tuple[dict[str, Any], ...]
    priority: int = PINNED
    follows: bool = False


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


def clean(text: str) -> str:
    """`text` without control characters (line breaks stay, tabs become spaces)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _BIDI.sub("", text)
    return "".join(c for c in text if c == "\n" or unicodedata.category(c) != "Cc")


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


def quoted(snippet: SnippetView) -> str:
    text = markup(snippet.text, MAX_SNIPPET)
    return f"“{text}”" if snippet.quote else text


def source_line(snippet: SnippetView) -> str:
    source = snippet.source
    title = one_line(source.title, MAX_SOURCE)
    author = f", {one_line(source.author, MAX_NAME)}" if source.author else ""
    return f"— *{title}*{author}"


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


def command_action(title: str, command: Command, *, style: str | None = None) -> dict[str, Any]:
    return submit(title, command_data(command.value), style=style)


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


def headed_chunks(
    lead: dict[str, Any], elements: Sequence[dict[str, Any]], priority: int
) -> list[Chunk]:
    """A headed list as one chunk per element, the heading with the first, so a cut keeps as
    much of the list as fits and never leaves the heading alone."""
    return [
        Chunk((lead, element) if n == 0 else (element,), priority, follows=n > 0)
        for n, element in enumerate(elements)
    ]


def ask_action() -> dict[str, Any]:
    """The "Ask a question" button: opens a one-field form below it, sent with ask_data()."""
    field = {
        "type": "Input.Text",
        "id": ASK_INPUT_ID,
        "label": "Your question",
        "placeholder": "How should we measure AI success?",
        "maxLength": ASK_MAX_LENGTH,
        "isRequired": True,
        "errorMessage": "Type a question first.",
    }
    form = {
        "type": "AdaptiveCard",
        "body": [field, text_block(ASK_HINT, subtle=True, size="small")],
        "actions": [submit("Ask", ask_data(), style="positive")],
    }
    return {"type": "Action.ShowCard", "title": "Ask a question", "card": form}


# --- fitting a card into the size limit -------------------------------------------------------


def card_bytes(card: dict[str, Any]) -> int:
    """The card's size as it goes on the wire: compact JSON, non-ASCII as escapes (which is
    never smaller than compact UTF-8)."""
    return len(json.dumps(card, separators=(",", ":")))


def adaptive_card(body: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}


def fit(chunks: Sequence[Chunk]) -> dict[str, Any]:
    """A card of the chunks' elements within MAX_CARD_BYTES: the least important chunks are
    dropped until the rest fits, then smaller ones that now fit again come back (a long chunk
    gone can leave room for a short, less important one), and a CUT_NOTICE says so."""
    kept = set(range(len(chunks)))
    droppable = [i for i, chunk in enumerate(chunks) if chunk.priority < PINNED]
    for index in sorted(droppable, key=lambda i: (chunks[i].priority, -i)):
        if _within(_assemble(chunks, kept)):
            break
        kept -= {index, *_continuations(chunks, index)}
    for index in sorted(set(droppable) - kept, key=lambda i: (-chunks[i].priority, i)):
        orphan = chunks[index].follows and index - 1 not in kept
        if not orphan and _within(_assemble(chunks, kept | {index})):
            kept.add(index)
    card = adaptive_card(_assemble(chunks, kept))
    _shrink_texts(card)
    return card


def _continuations(chunks: Sequence[Chunk], index: int) -> list[int]:
    following = index + 1
    while following < len(chunks) and chunks[following].follows:
        following += 1
    return list(range(index + 1, following))


def _within(body: list[dict[str, Any]]) -> bool:
    return card_bytes(adaptive_card(body)) <= MAX_CARD_BYTES


def _assemble(chunks: Sequence[Chunk], kept: set[int]) -> list[dict[str, Any]]:
    """The kept chunks' elements in order; after a cut, the notice goes before the pinned tail
    (the buttons), so the reader sees that content is missing and still has every button."""
    parts = [chunks[i] for i in sorted(kept)]
    if len(kept) < len(chunks):
        tail = len(parts)
        while tail > 0 and parts[tail - 1].priority >= PINNED:
            tail -= 1
        parts.insert(tail, Chunk((text_block(CUT_NOTICE, subtle=True, size="small"),)))
    return [element for chunk in parts for element in chunk.elements]


def _shrink_texts(card: dict[str, Any]) -> None:
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


def message(chunks: Sequence[Chunk], fallback: str) -> TeamsMessage:
    """A card of `chunks`; `fallback` is raw text, the notification summary."""
    text = plain(fallback, MAX_FALLBACK) or "AI Ownership Advisor"
    return TeamsMessage(text=text, card=fit(chunks))


# --- the replies ----------------------------------------------------------------------------


def render(reply: Reply) -> TeamsMessage:
    return _RENDERERS.draw(reply)


def render_all(replies: Sequence[Reply]) -> list[TeamsMessage]:
    """One message per reply, except that an acknowledgement rides on top of the card that
    follows it (the next question, usually): one message per answer reads better in a chat,
    and on Teams every message is a round trip to the connector within the user's request."""
    messages: list[TeamsMessage] = []
    for reply in replies:
        rendered = render(reply)
        previous = messages[-1] if messages else None
        if previous is not None and previous.acknowledgement and rendered.card is not None:
            merged = _merge(previous, rendered)
            if merged is not None:
                messages[-1] = merged
                continue
        messages.append(rendered)
    return messages


def _merge(first: TeamsMessage, second: TeamsMessage) -> TeamsMessage | None:
    """`second`'s card with `first`'s content on top, or None when that would not fit."""
    if first.card is None or second.card is None:
        return None
    body = [*first.card["body"], *second.card["body"]]
    merged = {**second.card, "body": body}
    if card_bytes(merged) > MAX_CARD_BYTES:
        return None
    text = plain(f"{first.text}\n{second.text}", MAX_FALLBACK)
    return TeamsMessage(text, merged)


def _option_sets(question_id: str, options: Sequence[OptionView]) -> list[dict[str, Any]]:
    """One ActionSet per option: a full-width row each, so a long label stays readable and no
    option ever hides in an overflow menu (Teams shows at most 6 actions per set)."""
    return [
        action_set(
            [submit(f"{option.letter}. {option.label}", answer_data(question_id, option.id))],
            spacing="small",
        )
        for option in options
    ]


def _numbered(options: Sequence[OptionView]) -> str:
    return "\n".join(f"{option.number}) {option.letter}. {option.label}" for option in options)


def _question(reply: QuestionReply) -> TeamsMessage:
    commands = [command_action("Back", Command.BACK)] if reply.can_go_back else []
    commands += [
        command_action("Skip", Command.SKIP),
        command_action("Why?", Command.WHY),
        command_action("Help", Command.HELP),
    ]
    elements = (
        text_block(
            f"Question {reply.number} of {reply.total} · {one_line(reply.dimension, MAX_NAME)}",
            subtle=True,
        ),
        text_block(markup(reply.prompt), bold=True),
        *_option_sets(reply.question_id, reply.options),
        action_set(commands, spacing="medium"),
        text_block(_QUESTION_HINT, subtle=True, size="small"),
    )
    title = f"Question {reply.number} of {reply.total} · {reply.dimension}"
    return message([Chunk(elements)], f"{title}: {reply.prompt}\n{_numbered(reply.options)}")


def _clarification(reply: ClarificationReply) -> TeamsMessage:
    lead = clarification_lead(reply)
    commands = [command_action("Skip", Command.SKIP)]
    if reply.can_show_all:
        commands.insert(0, command_action("None of these: show all", Command.OPTIONS))
    elements = (
        text_block(one_line(reply.prompt, MAX_PROMPT_ECHO), subtle=True, size="small"),
        text_block(markup(lead), color="warning"),
        *_option_sets(reply.question_id, reply.candidates),
        action_set(commands, spacing="medium"),
    )
    return message([Chunk(elements)], f"{lead}\n{_numbered(reply.candidates)}")


def _acknowledgement(reply: AcknowledgementReply) -> TeamsMessage:
    return replace(_acknowledgement_message(reply), acknowledgement=True)


def _acknowledgement_message(reply: AcknowledgementReply) -> TeamsMessage:
    if reply.answer is None:
        line = f"↷ Skipped: {reply.dimension}"
        return message([Chunk((text_block(one_line(line, MAX_TEXT), subtle=True),))], line)
    dimension, answer = one_line(reply.dimension, MAX_NAME), one_line(reply.answer, MAX_TEXT)
    chunks = [Chunk((text_block(f"✓ **{dimension}**: {answer}"),))]
    if reply.echo is not None:
        echo = (
            text_block(f"↳ {quoted(reply.echo)}", subtle=True, spacing="small"),
            text_block(source_line(reply.echo), subtle=True, size="small", spacing="none"),
        )
        chunks.append(Chunk(echo, priority=50))
    return message(chunks, f"✓ {reply.dimension}: {reply.answer}")


def snippet_chunks(snippets: Sequence[SnippetView], bullet: str) -> list[Chunk]:
    """One chunk per snippet (text, then its source), later snippets dropped first."""
    return [
        Chunk(
            (
                text_block(f"{bullet.format(n=n)} {quoted(snippet)}"),
                text_block(source_line(snippet), subtle=True, size="small", spacing="none"),
            ),
            priority=50 - min(n, 40),
        )
        for n, snippet in enumerate(snippets, 1)
    ]


def _answer(reply: AnswerReply) -> TeamsMessage:
    # A channel sees the answer, maybe not the question: repeat it for context.
    query = one_line(reply.query, MAX_QUERY)
    asked = [Chunk((text_block(f"You asked: *{query}*", subtle=True),))] if query else []
    if not reply.hits:
        return message([*asked, Chunk((text_block(escape(_NOTHING_FOUND)),))], _NOTHING_FOUND)
    lead = Chunk((text_block("**From the articles:**"),))
    chunks = [*asked, lead, *snippet_chunks(reply.hits, "{n}.")]
    return message(chunks, f"From the articles: {reply.hits[0].text}")


def _explanation(reply: ExplanationReply) -> TeamsMessage:
    lead = Chunk((text_block(f"**Why we ask:** {markup(reply.why)}"),))
    chunks = [lead, *snippet_chunks(reply.snippets, "•")]
    return message(chunks, f"Why we ask: {reply.why}")


def _option_info(reply: OptionInfoReply) -> TeamsMessage:
    chunks: list[Chunk] = []
    for info in reply.options:
        name = markup(f"{info.option.letter}) {info.option.label}")
        chunks.append(Chunk((text_block(f"**{name}**: {markup(info.description)}"),)))
        chunks.extend(snippet_chunks(info.snippets[:1], "•"))
    first = reply.options[0] if reply.options else None
    fallback = f"{first.option.label}: {first.description}" if first else "The options"
    return message(chunks, fallback)


def _notice(reply: NoticeReply) -> TeamsMessage:
    prefix = _NOTICE_PREFIX[reply.level]
    block = text_block(prefix + markup(reply.text), color=_NOTICE_COLOR[reply.level])
    return message([Chunk((block,))], prefix + reply.text)


def help_message(commands: Sequence[tuple[str, str]]) -> TeamsMessage:
    facts = [(f"**{one_line(name, MAX_NAME)}**", markup(what)) for name, what in commands]
    chunks = [
        Chunk((text_block(INTRO),)),
        *headed_chunks(heading("In a chat with me, type:"), fact_sets(facts), priority=50),
        Chunk((text_block(_CHANNEL_HELP, subtle=True),), priority=40),
    ]
    return message(chunks, INTRO)


def welcome_message(personal: bool) -> TeamsMessage:
    """The greeting when the bot is added: to a personal chat (what it does, how to begin) or
    to a team (how to ask it, and where the diagnostic runs)."""
    intro = Chunk(
        (
            text_block("AI Ownership Advisor", bold=True, size="medium", is_heading=True),
            text_block(INTRO),
            text_block(_WELCOME_DETAIL),
        )
    )
    if not personal:
        return message([intro, Chunk((text_block(_WELCOME_TEAM),))], f"{INTRO} {_WELCOME_TEAM}")
    buttons = [
        command_action("Start", Command.START, style="positive"),
        command_action("Help", Command.HELP),
    ]
    begin = Chunk((text_block(_WELCOME_PERSONAL), action_set(buttons)))
    return message([intro, begin], f"{INTRO} {_WELCOME_PERSONAL}")


# --- the summary card -----------------------------------------------------------------------


def summary_card(summary: Summary) -> TeamsMessage:
    """The diagnostic's result: the same content as Slack's private summary card."""
    model = summary.recommended
    pinned = (
        text_block(TITLE, bold=True, size="large", is_heading=True),
        text_block(
            f"Recommended: {one_line(model.name, MAX_NAME)}", bold=True, size="medium", color="good"
        ),
        text_block(markup(model.description)),
        text_block(f"*{markup(summary.clarity_text)}*", subtle=True),
    )
    chunks = [Chunk(pinned)]
    chunks += _scores(summary)
    chunks += _leanings(summary)
    chunks += _why(summary)
    chunks += _other_view(summary)
    chunks += _next_steps(summary)
    chunks.append(Chunk((text_block(_footer(summary), subtle=True, size="small"),), _FOOTER))
    buttons = [command_action("Retake", Command.RESTART), ask_action()]
    chunks.append(Chunk((action_set(buttons, spacing="medium"),)))
    return message(chunks, f"Recommended: {model.name} — {summary.clarity_text}")


def score_bar(share: float) -> str:
    filled = min(max(round(share * BAR_WIDTH), 0), BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _score_row(share: float, name: str) -> dict[str, Any]:
    percent = min(max(round(100 * share), 0), 100)
    bar = text_block(f"{score_bar(share)} {percent:>3}%", monospace=True)
    return {
        "type": "ColumnSet",
        "spacing": "none",
        "columns": [
            {"type": "Column", "width": "auto", "items": [bar]},
            {"type": "Column", "width": "stretch", "items": [text_block(one_line(name, MAX_NAME))]},
        ],
    }


def _scores(summary: Summary) -> list[Chunk]:
    rows = [_score_row(item.score, item.model.name) for item in summary.scores]
    return [Chunk((heading("How the models score"), *rows), _SCORES)] if rows else []


def _leanings(summary: Summary) -> list[Chunk]:
    facts = [
        (
            one_line(item.dimension, MAX_NAME),
            f"{one_line(item.answer, MAX_TEXT)} → "
            + (one_line(item.leaning.name, MAX_NAME) if item.leaning else "balanced"),
        )
        for item in summary.leanings
    ]
    lead = heading("Your answers, dimension by dimension")
    return headed_chunks(lead, fact_sets(facts), _LEANINGS)


def _why(summary: Summary) -> list[Chunk]:
    """The first reason under the heading (so the heading never stays behind alone); each
    further reason ranks below the other view and shows only after the one before it."""
    if not summary.why:
        return []
    first, *rest = summary.why
    lead = (
        heading("Why"),
        text_block(f"• {quoted(first)}"),
        text_block(source_line(first), subtle=True, size="small", spacing="none"),
    )
    more = snippet_chunks(rest, "•")
    return [
        Chunk(lead, _WHY),
        *(Chunk(chunk.elements, _MORE_WHY - n, follows=True) for n, chunk in enumerate(more)),
    ]


def _other_view(summary: Summary) -> list[Chunk]:
    snippet = summary.other_view
    if snippet is None:
        return []
    name = one_line(summary.runner_up.name, MAX_NAME) if summary.runner_up else "another model"
    elements = (
        heading(f"The other view ({name})"),
        text_block(f"• {quoted(snippet)}"),
        text_block(source_line(snippet), subtle=True, size="small", spacing="none"),
    )
    return [Chunk(elements, _OTHER_VIEW)]


def _next_steps(summary: Summary) -> list[Chunk]:
    steps = [text_block(f"{n}. {markup(step)}") for n, step in enumerate(summary.next_steps, 1)]
    return headed_chunks(heading("Next steps"), steps, _NEXT_STEPS)


def _footer(summary: Summary) -> str:
    return (
        f"{summary.answered} answered, {summary.skipped} skipped · "
        f"knowledge {one_line(summary.knowledge_version, MAX_NAME)} · {summary.date.isoformat()}"
    )


_RENDERERS: Renderers[TeamsMessage] = Renderers(
    question=_question,
    clarification=_clarification,
    acknowledgement=_acknowledgement,
    summary=lambda reply: summary_card(reply.summary),
    answer=_answer,
    explanation=_explanation,
    option_info=_option_info,
    help=lambda reply: help_message(reply.commands),
    notice=_notice,
)
