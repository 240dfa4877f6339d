"""Draw the engine's neutral replies in a terminal with rich. Everything that comes from the
user or the knowledge files is escaped, so a stray `[bold]` can never restyle the screen."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.engine.replies import (
    AcknowledgementReply,
    AnswerReply,
    ClarificationReply,
    ExplanationReply,
    HelpReply,
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
from bot.handlers.texts import clarification_lead

BAR_WIDTH = 24
_NOTICE_STYLE = {NoticeLevel.INFO: "cyan", NoticeLevel.WARNING: "yellow", NoticeLevel.ERROR: "red"}


def render(console: Console, replies: list[Reply]) -> None:
    for reply in replies:
        console.print(renderable(reply))


def renderable(reply: Reply) -> RenderableType:
    return _RENDERERS.draw(reply)


def _options(options: tuple[OptionView, ...]) -> Text:
    text = Text()
    for option in options:
        text.append(f"  {option.number}) ", style="bold")
        text.append(f"{option.letter}. ", style="dim")
        text.append(option.label + "\n")
    return text


def _question(reply: QuestionReply) -> Panel:
    title = f"Question {reply.number} of {reply.total} · {reply.dimension}"
    hint = "number, letter or your own words · " + (
        "back · skip · why · help" if reply.can_go_back else "skip · why · help"
    )
    body = Group(Text(reply.prompt, style="bold"), _options(reply.options), Text(hint, "dim"))
    return Panel(body, title=escape(title), title_align="left", border_style="blue")


def _clarification(reply: ClarificationReply) -> RenderableType:
    parts: list[RenderableType] = [
        Text(reply.prompt, style="dim"),
        Text(clarification_lead(reply), style="yellow"),
        _options(reply.candidates),
    ]
    if reply.can_show_all:
        parts.append(Text("(type `none` to see all the options)", style="dim"))
    return Group(*parts)


def _acknowledgement(reply: AcknowledgementReply) -> RenderableType:
    if reply.answer is None:
        return Text(f"↷ Skipped: {reply.dimension}", style="dim")
    line = Text("✓ ", style="green")
    line.append(f"{reply.dimension}: ", style="bold")
    line.append(reply.answer)
    if reply.echo is None:
        return line
    return Group(line, _snippet(reply.echo, prefix="  echoes"))


def _snippet(snippet: SnippetView, prefix: str = "") -> Table:
    """A snippet with its source, wrapped with a hanging indent under its bullet or number."""
    body = Text(f"“{snippet.text}”" if snippet.quote else snippet.text)
    body.append(f"  — {source_line(snippet)}", style="dim italic")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(ratio=1)
    grid.add_row(prefix, body)
    return grid


def source_line(snippet: SnippetView) -> str:
    author = f", {snippet.source.author}" if snippet.source.author else ""
    return f"{snippet.source.title}{author}"


def _answer(reply: AnswerReply) -> RenderableType:
    if not reply.hits:
        return Text(
            "I found nothing on that in the articles. Try other words, for example "
            "`ask who should own the AI budget?`",
            style="yellow",
        )
    lines: list[RenderableType] = [Text("From the articles:", style="bold")]
    lines.extend(_snippet(hit, prefix=f"  {n}.") for n, hit in enumerate(reply.hits, 1))
    return Group(*lines)


def _explanation(reply: ExplanationReply) -> RenderableType:
    lines: list[RenderableType] = [Text("Why we ask: ", style="bold").append(reply.why)]
    lines.extend(_snippet(snippet, prefix="  •") for snippet in reply.snippets)
    return Group(*lines)


def _option_info(reply: OptionInfoReply) -> RenderableType:
    lines: list[RenderableType] = []
    for info in reply.options:
        name = Text(f"{info.option.letter}) {info.option.label}: ", style="bold")
        lines.append(name.append(info.description))
        lines.extend(_snippet(snippet, prefix="  •") for snippet in info.snippets[:1])
    return Group(*lines)


def _notice(reply: NoticeReply) -> RenderableType:
    return Text(reply.text, style=_NOTICE_STYLE[reply.level])


def _help(reply: HelpReply) -> RenderableType:
    table = Table(show_header=False, box=None, padding=(0, 2))
    for command, description in reply.commands:
        table.add_row(Text(command, style="bold"), Text(description))
    table.add_row(Text("quit", style="bold"), Text("leave the console (progress is kept)"))
    lead = "I help you decide who should own AI work: IT, the business, a dedicated AI leader "
    lead += "or a shared model. Commands:"
    return Group(Text(lead), table)


def summary_panel(summary: Summary) -> Panel:
    parts: list[RenderableType] = [
        Text(summary.recommended.name, style="bold green"),
        Text(summary.recommended.description),
        Text(summary.clarity_text, style="italic"),
        Text(""),
        _scores(summary),
        Text(""),
        Text("Your answers, dimension by dimension", style="bold"),
        _leanings(summary),
    ]
    if summary.why:
        parts.append(Text("\nWhy", style="bold"))
        parts.extend(_snippet(snippet, prefix="  •") for snippet in summary.why)
    if summary.other_view is not None:
        title = summary.runner_up.name if summary.runner_up else "another model"
        parts.append(Text(f"\nThe other view ({title})", style="bold"))
        parts.append(_snippet(summary.other_view, prefix="  •"))
    parts.append(Text("\nNext steps", style="bold"))
    parts.extend(_numbered(f"  {n}.", step) for n, step in enumerate(summary.next_steps, 1))
    footer = (
        f"\n{summary.answered} answered, {summary.skipped} skipped · "
        f"knowledge {summary.knowledge_version} · {summary.date.isoformat()}\n"
        "Type `restart` to retake, `ask <question>` to ask, `back` to change your last answer."
    )
    parts.append(Text(footer, style="dim"))
    return Panel(Group(*parts), title="Your AI ownership summary", border_style="green")


def _numbered(number: str, text: str) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(number, Text(text))
    return grid


def _scores(summary: Summary) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    for item in summary.scores:
        filled = round(item.score * BAR_WIDTH)
        bar = Text("█" * filled, style="green") + Text("░" * (BAR_WIDTH - filled), style="dim")
        table.add_row(Text(item.model.name), bar, Text(f"{round(100 * item.score)}%"))
    return table


def _leanings(summary: Summary) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    for leaning in summary.leanings:
        toward = leaning.leaning.name if leaning.leaning else "balanced"
        table.add_row(
            Text(leaning.dimension, style="dim"), Text(leaning.answer), Text(f"→ {toward}")
        )
    return table


_RENDERERS: Renderers[RenderableType] = Renderers(
    question=_question,
    clarification=_clarification,
    acknowledgement=_acknowledgement,
    summary=lambda reply: summary_panel(reply.summary),
    answer=_answer,
    explanation=_explanation,
    option_info=_option_info,
    help=_help,
    notice=_notice,
)
