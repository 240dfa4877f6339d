"""Adaptive Cards 1.5 for the neutral documents of `bot.views`: the Teams renderer.

Teams reads a TextBlock's text (and a FactSet's titles and values) as markdown, so every text a
document holds passes through `escape`; the only markup is the renderer's own (bold, italics).
Every card stays under MAX_CARD_BYTES, by the one fitting algorithm of `bot.views.fit` with
Teams' measure, then by cutting the longest texts as a last resort.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from botbuilder.schema import Activity

from bot.engine.replies import NoticeLevel, NoticeReply, Reply, SourceView, Summary
from bot.handlers.teams.activities import code_block, to_activity
from bot.handlers.teams.cards import (
    MAX_CARD_BYTES,
    MAX_FALLBACK,
    MAX_NAME,
    MAX_SNIPPET,
    MAX_SOURCE,
    MAX_TEXT,
    MAX_TITLE,
    TeamsMessage,
    action_set,
    adaptive_card,
    ask_action,
    card_bytes,
    fact_sets,
    heading,
    markup,
    one_line,
    plain,
    shrink_texts,
    submit,
    text_block,
)
from bot.handlers.teams.submit import (
    FORGET_CANCEL_KIND,
    FORGET_CONFIRM_KIND,
    SUBMIT_KEY,
    answer_data,
    command_data,
    pulse_data,
    report_data,
)
from bot.views import catalogue
from bot.views.diagnostic import help_view, view, welcome_view
from bot.views.document import (
    Action,
    Actions,
    Bars,
    Chart,
    Choices,
    Chunk,
    Code,
    CommandHelp,
    Divider,
    Document,
    DownloadReport,
    Element,
    Facts,
    ForgetCancel,
    ForgetConfirm,
    Heading,
    Headline,
    Hint,
    Inline,
    Items,
    Note,
    OpenAsk,
    OpenShare,
    Paragraph,
    PulseAnswer,
    PulseClose,
    PulseCompare,
    PulseExport,
    PulseNumbers,
    Quote,
    RunCommand,
    Style,
    Title,
    Tone,
    merged_runs,
    say,
)
from bot.views.fit import fit
from bot.views.parts import Surface, credit, text_bar
from bot.views.summary import summary_view

_CUT = Chunk((Note(say(catalogue.CUT_NOTICE)),))
_COLOR = {Tone.GOOD: "good", Tone.WARNING: "warning", Tone.ATTENTION: "attention"}


def render(reply: Reply) -> TeamsMessage:
    return draw(view(reply, Surface.TEAMS))


def notice_activity(text: str, level: NoticeLevel = NoticeLevel.INFO) -> Activity:
    """A notice (`text` said plainly, at `level`) as the activity that says it."""
    return to_activity(render(NoticeReply(text, level)))


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


def help_message(commands: Sequence[tuple[str, str]]) -> TeamsMessage:
    return draw(help_view(commands, Surface.TEAMS))


def welcome_message(personal: bool) -> TeamsMessage:
    return draw(welcome_view(personal))


def summary_card(summary: Summary) -> TeamsMessage:
    return draw(summary_view(summary))


def draw(document: Document) -> TeamsMessage:
    text = plain(document.fallback, MAX_FALLBACK) or catalogue.PRODUCT
    return TeamsMessage(text, fitted_card(document), document.acknowledgement)


def markdown_text(document: Document) -> str:
    """A document of text alone (paragraphs, notes, code) as the markdown of one message, no
    card: how admins have always been answered, the problems in a code block to copy from."""
    parts: list[str] = []
    for chunk in document.chunks:
        for element in chunk.elements:
            match element:
                case Paragraph(spans=spans) | Note(spans=spans):
                    parts.append(markdown_of(spans))
                case Code(lines=lines):
                    parts.append(code_block("\n".join(lines)))
                case _:
                    raise TypeError(f"no markdown for {type(element).__name__}")
    return "\n\n".join(parts)


def fitted_card(document: Document) -> dict[str, Any]:
    def within(chunks: Sequence[Chunk]) -> bool:
        return card_bytes(adaptive_card(body(chunks))) <= MAX_CARD_BYTES

    card = adaptive_card(body(document.chunks))
    if card_bytes(card) > MAX_CARD_BYTES:  # most cards fit whole: drawn once, measured once
        card = adaptive_card(body(fit(document.chunks, within, _CUT)))
        shrink_texts(card)
    return card


def _merge(first: TeamsMessage, second: TeamsMessage) -> TeamsMessage | None:
    """`second`'s card with `first`'s content on top, or None when that would not fit."""
    if first.card is None or second.card is None:
        return None
    merged = {**second.card, "body": [*first.card["body"], *second.card["body"]]}
    if card_bytes(merged) > MAX_CARD_BYTES:
        return None
    return TeamsMessage(plain(f"{first.text}\n{second.text}", MAX_FALLBACK), merged)


def body(chunks: Sequence[Chunk]) -> list[dict[str, Any]]:
    """The card's body: the chunks' elements in order, a run of folded chunks in a hidden
    container under a button that shows and hides it."""
    drawn: list[dict[str, Any]] = []
    for folded, run in groupby(chunks, key=lambda chunk: chunk.folded):
        elements = merged_runs([element for chunk in run for element in chunk.elements])
        inner = [part for element in elements for part in _elements(element)]
        if folded is None:
            drawn += inner
        else:
            drawn += _fold(folded, inner, f"folded-{len(drawn)}")
    return drawn


def _fold(label: str, inner: list[dict[str, Any]], target: str) -> list[dict[str, Any]]:
    toggle = {
        "type": "Action.ToggleVisibility",
        "title": plain(label, MAX_TITLE),
        "targetElements": [target],
    }
    hidden = {"type": "Container", "id": target, "isVisible": False, "items": inner}
    return [{"type": "ActionSet", "actions": [toggle]}, hidden]


def _elements(element: Element) -> list[dict[str, Any]]:
    match element:
        case Title(text=text):
            return [text_block(one_line(text, MAX_TEXT), bold=True, size="large", is_heading=True)]
        case Heading(text=text):
            return [heading(one_line(text, MAX_TEXT))]
        case Headline(text=text):
            headline = one_line(text, MAX_TEXT)
            return [text_block(headline, bold=True, size="medium", color="good")]
        case Paragraph(spans=spans, tone=tone):
            subtle = tone is Tone.SUBTLE
            return [text_block(markdown_of(spans), subtle=subtle, color=_COLOR.get(tone))]
        case Note(spans=spans) | Hint(spans=spans):
            return [text_block(markdown_of(spans), subtle=True, size="small")]
        case Quote(snippet=snippet, marker=marker, aside=echo):
            text = markup(snippet.text, MAX_SNIPPET)
            shown = f"{marker} {f'“{text}”' if snippet.quote else text}".strip()
            return [
                text_block(shown, subtle=echo, spacing="small" if echo else None),
                text_block(
                    source_line(snippet.source),
                    subtle=True,
                    size="small",
                    spacing="none",
                ),
            ]
        case Items(items=items):
            return [
                text_block(f"{item.marker} {markdown_of(item.spans)}".strip()) for item in items
            ]
        case Facts(facts=facts):
            return fact_sets(
                [(one_line(fact.name, MAX_NAME), one_line(fact.value, MAX_TEXT)) for fact in facts]
            )
        case CommandHelp(commands=commands):
            return fact_sets(
                [(f"**{one_line(name, MAX_NAME)}**", markup(what)) for name, what in commands]
            )
        case Bars(bars=bars):
            return [_bar_row(bar.label, bar.share, bar.count) for bar in bars]
        case Chart(png=png, alt=alt):
            return [
                {
                    "type": "Image",
                    "url": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                    "altText": plain(alt, MAX_NAME),
                    "size": "stretch",
                    "spacing": "medium",
                }
            ]
        case Code(lines=lines):
            return [text_block(markup("\n\n".join(lines)), monospace=True)]
        case Divider():
            return []  # cards separate their parts by spacing; a rule adds nothing
        case Actions(actions=actions):
            drawn = [action for action in map(_action, actions) if action is not None]
            return [action_set(drawn, spacing="medium")] if drawn else []
        case Choices(question_id=question_id, options=options):
            # One ActionSet per option: a full-width row each, so a long label stays readable
            # and no option hides in an overflow menu (Teams shows at most 6 actions per set).
            return [
                action_set(
                    [
                        submit(
                            f"{option.letter}. {option.label}",
                            answer_data(question_id, option.id),
                        )
                    ],
                    spacing="small",
                )
                for option in options
            ]
    raise TypeError(f"no Adaptive Card for {type(element).__name__}")


def markdown_of(spans: Inline) -> str:
    return "".join(_span(span.text, span.style) for span in spans if span.text)


def _span(text: str, style: Style) -> str:
    if style is Style.MOMENT:
        # Adaptive Card date functions: each reader's own time zone and format.
        return f"{{{{DATE({text},SHORT)}}}} {{{{TIME({text})}}}}"
    # Spaces around a span separate it from its neighbours: keep one on each side.
    before = " " if text[:1].isspace() else ""
    after = " " if text[-1:].isspace() else ""
    shown = markup(text, MAX_TEXT) if "\n" in text.strip() else one_line(text, MAX_TEXT)
    match style:
        case Style.STRONG | Style.COMMAND:
            shown = f"**{shown}**"
        case Style.EMPHASIS:
            shown = f"*{shown}*"
    return f"{before}{shown}{after}" if shown else before


def source_line(source: SourceView) -> str:
    """The source of a quote: its title (a link where the knowledge has one), then who wrote
    it, where and when. The knowledge admits no URL that could end a markdown link early."""
    title = one_line(source.title, MAX_SOURCE)
    shown = f"[{title}]({source.url})" if source.url else title
    return f"— *{shown}*{one_line(credit(source), MAX_NAME)}"


def _bar_row(label: str, share: float, count: int | None) -> dict[str, Any]:
    """One bar line: a text bar, the share and the label (and how many). A TextBlock rather than
    columns: a third of the bytes, which leaves room for more of the content in the card."""
    percent = min(max(round(100 * share), 0), 100)
    counted = f" ({count})" if count is not None else ""
    line = f"{text_bar(share)} {percent}% · {one_line(label, MAX_NAME)}{counted}"
    return text_block(line, spacing="none")


def _action(action: Action) -> dict[str, Any] | None:
    """The card action for `action`, or None where Teams has no such thing (sharing a summary
    to a channel is Slack's modal; a CSV export is the `pulse export` command)."""
    style = "destructive" if action.destructive else "positive" if action.primary else None
    match action.intent:
        case RunCommand(command=command):
            return submit(action.label, command_data(command.value), style=style)
        case OpenAsk():
            return ask_action()
        case DownloadReport():
            return submit(action.label, report_data(), style=style)
        case PulseAnswer(survey_id=survey):
            return submit(action.label, pulse_data("pulse_answer", survey), style=style)
        case PulseClose(survey_id=survey):
            return submit(action.label, pulse_data("pulse_close", survey), style=style)
        case ForgetConfirm():
            return submit(action.label, {SUBMIT_KEY: FORGET_CONFIRM_KIND}, style=style)
        case ForgetCancel():
            return submit(action.label, {SUBMIT_KEY: FORGET_CANCEL_KIND}, style=style)
        case PulseCompare(survey_id=survey):
            return submit(action.label, pulse_data("pulse_compare", survey), style=style)
        case OpenShare() | PulseExport() | PulseNumbers():
            return None
