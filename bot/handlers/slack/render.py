"""Block Kit for the neutral documents of `bot.views`: the Slack renderer.

Everything a document says passes through `escape` on its way into mrkdwn, so nobody can
smuggle in a mention or a link; the only markup is the renderer's own (bold, italics, code,
and mentions of valid user ids). Every Slack limit is enforced here, by the one fitting
algorithm of `bot.views.fit` with Slack's measure, then by cutting texts as a last resort.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.engine.replies import Reply, SourceView, Summary
from bot.handlers.slack.blocks import (
    MAX_BLOCKS,
    MAX_MESSAGE_TEXT,
    MAX_TEXT,
    MAX_VIEW_BLOCKS,
    QUESTION_HINT_BLOCK,
    SlackMessage,
    actions,
    button,
    context,
    cut,
    divider,
    escape,
    header,
    line_sections,
    message_size,
    plain,
    section,
    shrink_texts,
)
from bot.handlers.slack.ids import (
    ASK_ACTION,
    FORGET_CANCEL_ACTION,
    FORGET_CONFIRM_ACTION,
    PULSE_ANSWER_ACTION,
    PULSE_CLOSE_ACTION,
    PULSE_COMPARE_ACTION,
    PULSE_EXPORT_ACTION,
    PULSE_NUMBERS_ACTION,
    REPORT_ACTION,
    REPORT_VALUE,
    SHARE_ACTION,
    AnswerButton,
    command_action_id,
)
from bot.views import catalogue
from bot.views.diagnostic import help_view, view
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
from bot.views.summary import home_view as home_document
from bot.views.summary import summary_view

# Slack user ids. Anything else is not drawn as a mention: it could be forged markup.
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")
_CUT = Chunk((Note(say(catalogue.CUT_NOTICE)),))


def render(reply: Reply) -> SlackMessage:
    return draw(view(reply, Surface.SLACK))


def render_all(replies: Sequence[Reply]) -> list[SlackMessage]:
    return [render(reply) for reply in replies]


def help_message(
    commands: Sequence[tuple[str, str]], *, unknown: str | None = None
) -> SlackMessage:
    return draw(help_view(commands, Surface.SLACK, unknown=unknown))


def summary_message(summary: Summary, *, shared_by: str | None = None) -> SlackMessage:
    return draw(summary_view(summary, shared_by=shared_by))


def home_view(latest: Summary | None, in_progress: bool) -> dict[str, Any]:
    document = home_document(latest, in_progress)
    return {"type": "home", "blocks": fitted_blocks(document, MAX_VIEW_BLOCKS)}


def draw(document: Document) -> SlackMessage:
    text = escape(document.fallback).strip() or catalogue.PRODUCT
    return SlackMessage(text=cut(text, MAX_TEXT), blocks=fitted_blocks(document))


def fitted_blocks(document: Document, max_blocks: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """The document's blocks within `max_blocks` and Slack's text budget."""

    def within(chunks: Sequence[Chunk]) -> bool:
        return _fits(blocks(chunks), max_blocks)

    drawn = blocks(document.chunks)
    if not _fits(drawn, max_blocks):  # most messages fit whole: drawn once, measured once
        drawn = blocks(fit(document.chunks, within, _CUT))
    if len(drawn) > max_blocks:
        raise ValueError("pinned content alone exceeds Slack's block limit")
    shrink_texts(drawn)
    return drawn


def _fits(drawn: Sequence[dict[str, Any]], max_blocks: int) -> bool:
    return len(drawn) <= max_blocks and message_size(drawn) <= MAX_MESSAGE_TEXT


def blocks(chunks: Sequence[Chunk]) -> list[dict[str, Any]]:
    """The chunks' elements as blocks. A heading (or headline) leads the text of the element
    after it in the same section, and a run of list items is packed into as few sections as
    the text limit allows."""
    drawn: list[dict[str, Any]] = []
    for chunk in _chunks_of_runs(chunks):
        lead: list[str] = []
        for element in chunk:
            if isinstance(element, Heading | Headline):
                lead.append(f"*{escape(element.text)}*")
                continue
            if isinstance(element, Quote):
                drawn += _quote(element, lead)
                lead = []
                continue
            texts = _lines(element)
            if texts is not None:
                drawn += line_sections("\n".join(lead), texts)
                lead = []
                continue
            if lead:
                drawn.append(section("\n".join(lead)))
                lead = []
            drawn += _blocks(element)
        if lead:
            drawn.append(section("\n".join(lead)))
    return drawn


def _chunks_of_runs(chunks: Sequence[Chunk]) -> list[list[Element]]:
    """Each chunk's elements, with a list continued from the chunk before joined to it."""
    grouped: list[list[Element]] = []
    for chunk in chunks:
        elements = list(chunk.elements)
        if grouped and elements and chunk.follows and _joins(grouped[-1], elements[0]):
            grouped[-1] = merged_runs([*grouped[-1], *elements])
        else:
            grouped.append(merged_runs(elements))
    return grouped


def _joins(previous: list[Element], first: Element) -> bool:
    return bool(previous) and type(previous[-1]) is type(first) and isinstance(first, Items | Facts)


def _lines(element: Element) -> list[str] | None:
    """The lines of a list-like element (packed with the heading above it), else None."""
    match element:
        case Paragraph(spans=spans, tone=tone) if tone is not Tone.SUBTLE:
            return [mrkdwn_of(spans) or "—"]
        case Items(items=items):
            return [f"{item.marker} {mrkdwn_of(item.spans)}".strip() for item in items]
        case Facts(facts=facts):
            return [f"• *{escape(fact.name)}*: {escape(fact.value)}" for fact in facts]
        case CommandHelp(commands=commands):
            return [f"`{escape(name)}` — {escape(what)}" for name, what in commands]
        case Bars(bars=bars):
            return [_bar_line(bar.label, bar.share, bar.count) for bar in bars]
    return None


def _blocks(element: Element) -> list[dict[str, Any]]:
    match element:
        case Title(text=text):
            return [header(text)]
        case Paragraph(spans=spans):
            return [context(mrkdwn_of(spans))]
        case Note(spans=spans):
            return [context(mrkdwn_of(spans))]
        case Hint(spans=spans):
            return [context(mrkdwn_of(spans), block_id=QUESTION_HINT_BLOCK)]
        case Divider():
            return [divider()]
        case Actions(actions=buttons):
            return actions([_button(action) for action in buttons])
        case Choices(question_id=question_id, options=options):
            return actions(
                [
                    _answer_button(question_id, option.id, f"{option.letter}. {option.label}")
                    for option in options
                ]
            )
        case Chart():
            return []  # Slack cannot show an inline image: the numbers are there as text
        case Code(lines=lines):
            return [section(f"```{chunk}```") for chunk in code_chunks(lines)]
    raise TypeError(f"no Block Kit for {type(element).__name__}")


def code_chunks(lines: Sequence[str]) -> list[str]:
    """`lines` as code, in as few sections as Slack's section limit allows; a line longer
    than a section is cut. Slack's three control characters are escaped, and no run of
    backticks can end the code block early."""
    room = MAX_TEXT - len("``````")
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        shown = cut(escape(line).replace("```", "'''"), room)
        if current and size + len(shown) + 1 > room:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(shown)
        size += len(shown) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def _quote(quote: Quote, lead: list[str]) -> list[dict[str, Any]]:
    """A snippet and its source; an echo ("↳") stays small, under the acknowledgement it
    belongs to."""
    snippet = quote.snippet
    text = escape(snippet.text)
    shown = f"{quote.marker} {f'“{text}”' if snippet.quote else text}".strip()
    source = source_line(snippet.source)
    if quote.aside and not lead:
        return [context(shown, source)]
    return [section("\n".join([*lead, shown])), context(source)]


def mrkdwn_of(spans: Inline) -> str:
    return "".join(
        _span(span.text, span.style) for span in spans if span.text or span.style is Style.MENTION
    )


def _span(text: str, style: Style) -> str:
    match style:
        case Style.STRONG:
            return f"*{escape(text)}*"
        case Style.EMPHASIS:
            return f"_{escape(text)}_"
        case Style.COMMAND:
            return "`" + escape(text.replace("`", "'")) + "`"
        case Style.MOMENT:
            return slack_date(datetime.fromisoformat(text))
        case Style.MENTION:
            return f"<@{text}>" if _USER_ID.fullmatch(text) else catalogue.SOMEONE
    return escape(text)


def slack_date(when: datetime) -> str:
    """A date every reader sees in their own time zone (Slack's date formatting), with UTC
    as the fallback for clients that cannot format it."""
    fallback = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


MAX_SOURCE_TITLE = 300


def source_line(source: SourceView) -> str:
    """The source of a quote: its title (a link where the knowledge has one), then who wrote
    it, where and when. The knowledge admits no URL that could end a Slack link early."""
    # Cut before it is made a link: a link cut in the middle would be no link at all.
    title = escape(cut(" ".join(source.title.split()), MAX_SOURCE_TITLE))
    shown = f"<{source.url}|{title}>" if source.url else title
    return f"— _{shown}_{escape(credit(source))}"


def _bar_line(label: str, share: float, count: int | None) -> str:
    counted = f" ({count})" if count is not None else ""
    return f"{text_bar(share)} {round(100 * share)}%  {escape(label)}{counted}"


def _button(action: Action) -> dict[str, Any]:
    match action.intent:
        case RunCommand(command=command):
            element = button(action.label, command_action_id(command.value), command.value)
        case OpenAsk():
            element = button(action.label, ASK_ACTION, "ask")
        case OpenShare():
            element = button(action.label, SHARE_ACTION, "share")
        case DownloadReport():
            element = button(action.label, REPORT_ACTION, REPORT_VALUE)
        case PulseAnswer(survey_id=survey):
            element = button(action.label, PULSE_ANSWER_ACTION, survey)
        case PulseClose(survey_id=survey):
            element = button(action.label, PULSE_CLOSE_ACTION, survey)
        case PulseExport(survey_id=survey):
            element = button(action.label, PULSE_EXPORT_ACTION, survey)
        case PulseNumbers(survey_id=survey):
            element = button(action.label, PULSE_NUMBERS_ACTION, survey)
        case PulseCompare(survey_id=survey):
            element = button(action.label, PULSE_COMPARE_ACTION, survey)
        case ForgetConfirm():
            element = button(action.label, FORGET_CONFIRM_ACTION, "forget-me")
        case ForgetCancel():
            element = button(action.label, FORGET_CANCEL_ACTION, "cancel")
    if action.primary:
        element["style"] = "primary"
    if action.destructive:
        element["style"] = "danger"
    if action.confirm is not None:
        title, text, confirm, deny = action.confirm
        element["confirm"] = {
            "title": plain(title, 100),
            "text": plain(text, 300),
            "confirm": plain(confirm, 30),
            "deny": plain(deny, 30),
        }
    return element


def _answer_button(question_id: str, option_id: str, label: str) -> dict[str, Any]:
    choice = AnswerButton(question_id, option_id)
    return button(label, choice.action_id, choice.value)
