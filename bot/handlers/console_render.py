"""The terminal renderer: the neutral documents of `bot.views` drawn with rich. Every text is
drawn as text, never parsed as rich markup, so a stray `[bold]` can never restyle the screen.
The terminal has no buttons: a document's actions show as the words that do the same."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.engine.replies import Reply, SnippetView, Summary
from bot.views.diagnostic import view
from bot.views.document import (
    Action,
    Actions,
    Bars,
    Chart,
    Choices,
    Code,
    CommandHelp,
    Divider,
    Document,
    DownloadReport,
    Element,
    Facts,
    Heading,
    Headline,
    Hint,
    Inline,
    Items,
    Note,
    OpenAsk,
    Paragraph,
    Quote,
    RunCommand,
    Style,
    Title,
    Tone,
    merged_runs,
)
from bot.views.parts import Surface, credit
from bot.views.summary import summary_view

BAR_WIDTH = 24
# Typed in the chat, it writes the PDF report in the current folder (as `advisor report` does).
REPORT_COMMAND = "report"
_TONE = {
    Tone.NORMAL: "",
    Tone.SUBTLE: "dim",
    Tone.GOOD: "green",
    Tone.WARNING: "yellow",
    Tone.ATTENTION: "red",
}
_SPAN = {
    Style.PLAIN: "",
    Style.STRONG: "bold",
    Style.EMPHASIS: "italic",
    Style.COMMAND: "bold",
    Style.MENTION: "",
    Style.MOMENT: "",
}


def render(console: Console, replies: list[Reply]) -> None:
    for reply in replies:
        console.print(renderable(reply))


def renderable(reply: Reply) -> RenderableType:
    return draw(view(reply, Surface.CONSOLE))


def summary_panel(summary: Summary) -> RenderableType:
    return draw(summary_view(summary))


def draw(document: Document) -> RenderableType:
    """The document's elements one under the other; a document with a title is framed, the
    title on its border."""
    elements = merged_runs([e for chunk in document.chunks for e in chunk.elements])
    if elements and isinstance(elements[0], Title):
        body = Group(*(part for e in elements[1:] for part in _parts(e)))
        return Panel(body, title=Text(elements[0].text), border_style="green")
    return Group(*(part for e in elements for part in _parts(e)))


def _parts(element: Element) -> list[RenderableType]:
    match element:
        case Title(text=text):
            return [Text(text, style="bold")]
        case Heading(text=text):
            return [Text(f"\n{text}", style="bold")]
        case Headline(text=text):
            return [Text(text, style="bold green")]
        case Paragraph(spans=spans, tone=tone):
            return [styled(spans, _TONE[tone])]
        case Note(spans=spans) | Hint(spans=spans):
            return [styled(spans, "dim")]
        case Quote(snippet=snippet, marker=marker):
            return [_snippet(snippet, f"  {marker}")]
        case Items(items=items):
            return [_row(f"  {item.marker}", styled(item.spans)) for item in items]
        case Facts(facts=facts):
            table = Table(show_header=False, box=None, padding=(0, 1))
            for fact in facts:
                table.add_row(Text(fact.name, style="dim"), Text(fact.value))
            return [table]
        case CommandHelp(commands=commands):
            table = Table(show_header=False, box=None, padding=(0, 2))
            for name, what in commands:
                table.add_row(Text(name, style="bold"), Text(what))
            return [table]
        case Bars(bars=bars):
            table = Table(show_header=False, box=None, padding=(0, 1))
            for bar in bars:
                filled = min(max(round(bar.share * BAR_WIDTH), 0), BAR_WIDTH)
                drawn = Text("█" * filled, style="green") + Text("░" * (BAR_WIDTH - filled), "dim")
                counted = f" ({bar.count})" if bar.count is not None else ""
                table.add_row(Text(bar.label), drawn, Text(f"{round(100 * bar.share)}%{counted}"))
            return [table]
        case Choices(options=options):
            listing = Text()
            for option in options:
                listing.append(f"  {option.number}) ", style="bold")
                listing.append(f"{option.letter}. ", style="dim")
                listing.append(option.label + "\n")
            return [listing]
        case Actions(actions=actions):
            words = [word for word in map(_typed, actions) if word]
            return [Text(" · ".join(words), style="dim")] if words else []
        case Code(lines=lines):
            return [Text("\n".join(lines), style="cyan", no_wrap=False)]
        case Chart() | Divider():
            return []
    raise TypeError(f"nothing draws {type(element).__name__} in the terminal")


def styled(spans: Inline, style: str = "") -> Text:
    text = Text(style=style)
    for span in spans:
        text.append(span.text, style=_SPAN[span.style])
    return text


def _typed(action: Action) -> str | None:
    """What to type in the terminal for a button."""
    match action.intent:
        case RunCommand(command=command):
            return command.value
        case OpenAsk():
            return "ask <question>"
        case DownloadReport():
            return REPORT_COMMAND
    return None


def _snippet(snippet: SnippetView, prefix: str) -> Table:
    """A snippet with its source, wrapped with a hanging indent under its bullet or number."""
    body = Text(f"“{snippet.text}”" if snippet.quote else snippet.text)
    body.append(f"  — {source_line(snippet)}", style="dim italic")
    return _row(prefix, body)


def _row(prefix: str, body: Text) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(ratio=1)
    grid.add_row(prefix, body)
    return grid


def source_line(snippet: SnippetView) -> str:
    source = snippet.source
    link = f" ({source.url})" if source.url else ""
    return f"{source.title}{credit(source)}{link}"
