"""The neutral message document every reply is built as, before any platform draws it.

A document is a list of chunks; a chunk is a few elements that stay or go together (a snippet
and its source) with a priority saying how much they matter when a platform's size limits force
a cut (`bot.views.fit`). Elements say *what* is shown, never how: no markup, no SDK types. The
renderers (Block Kit, Adaptive Cards, the terminal) decide how each kind looks, and they escape
every text they draw, because nothing here is trusted markup: inline emphasis is carried as
styled spans, not as asterisks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.engine.replies import OptionView, SnippetView
from bot.engine.turn import Command

# Content that must survive every cut (titles, the recommendation, a prompt, its buttons).
PINNED = 100


class Style(StrEnum):
    PLAIN = "plain"
    STRONG = "strong"
    EMPHASIS = "emphasis"
    COMMAND = "command"  # a word the user can type: `start`, `ask <question>`
    MENTION = "mention"  # a platform user id, drawn as a mention where it is a valid one
    MOMENT = "moment"  # a UTC time (ISO 8601), drawn in each reader's own time zone


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = Style.PLAIN


Inline = tuple[Span, ...]


def say(*parts: str | Span) -> Inline:
    """Inline text from plain strings and styled spans: say("Type ", command("start"), ".")."""
    return tuple(part if isinstance(part, Span) else Span(part) for part in parts if part)


def strong(text: str) -> Span:
    return Span(text, Style.STRONG)


def emphasis(text: str) -> Span:
    return Span(text, Style.EMPHASIS)


def command(text: str) -> Span:
    return Span(text, Style.COMMAND)


def mention(user_id: str) -> Span:
    return Span(user_id, Style.MENTION)


def moment(when: datetime) -> Span:
    return Span(when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), Style.MOMENT)


def moment_plain(when: datetime) -> str:
    """A time for plain text (notifications), in UTC."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def commands_marked(text: str) -> Inline:
    """The engine's sentences mark the words a user can type between backticks ("Type `start`
    to begin."), the one inline mark neutral text has: each becomes a COMMAND span, which every
    platform draws natively (code on Slack, bold on Teams and in the terminal)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: not a mark, show the text as it is
        return say(text)
    return say(*(command(part) if n % 2 else part for n, part in enumerate(parts)))


class Tone(StrEnum):
    NORMAL = "normal"
    SUBTLE = "subtle"  # context: where we are, who shared it
    GOOD = "good"
    WARNING = "warning"
    ATTENTION = "attention"


# --- elements ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    """What the whole message is ("Your AI ownership summary")."""

    text: str


@dataclass(frozen=True)
class Heading:
    """Names the element after it in the same chunk ("Your plan")."""

    text: str


@dataclass(frozen=True)
class Headline:
    """The one statement the message exists for ("Recommended: Business-led")."""

    text: str


@dataclass(frozen=True)
class Paragraph:
    spans: Inline
    tone: Tone = Tone.NORMAL


@dataclass(frozen=True)
class Note:
    """Small print: a footer, the note that content was cut."""

    spans: Inline


@dataclass(frozen=True)
class Hint:
    """How to answer, under a question's buttons: it goes with them once the question is
    answered."""

    spans: Inline


@dataclass(frozen=True)
class Quote:
    """An article snippet with its source, after a bullet or number ("•", "2.", "↳")."""

    snippet: SnippetView
    marker: str = "•"
    aside: bool = False  # an echo under the line it belongs to: drawn small


@dataclass(frozen=True)
class Item:
    marker: str  # "•", "1.", or "" for none
    spans: Inline


@dataclass(frozen=True)
class Items:
    """List items. A list split over several chunks (so a cut keeps what fits) is several
    Items in a row, and the renderers draw a run of them as one list."""

    items: tuple[Item, ...]


@dataclass(frozen=True)
class Fact:
    name: str
    value: str


@dataclass(frozen=True)
class Facts:
    """Name and value rows (an answer per dimension); a run of them is one table."""

    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class CommandHelp:
    """Commands a user can type or run and what each does."""

    commands: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Bar:
    label: str
    share: float  # 0-1
    count: int | None = None  # how many chose it, where counting people means something


@dataclass(frozen=True)
class Bars:
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """A picture of numbers that are also in the document as text (a PNG)."""

    png: bytes
    alt: str


@dataclass(frozen=True)
class Code:
    """Lines shown exactly as they are, in a fixed-width font: a file's problems, one a line
    (`file:line: message`)."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Divider:
    pass


# --- actions: what a button means, never how a platform routes it -----------------------------


@dataclass(frozen=True)
class RunCommand:
    command: Command


@dataclass(frozen=True)
class OpenAsk:
    """Ask the articles a question (a form, or on the terminal `ask <question>`)."""


@dataclass(frozen=True)
class OpenShare:
    """Share the summary to a channel (where the platform can)."""


@dataclass(frozen=True)
class DownloadReport:
    """The person's latest result as a one-page PDF, sent to them where the platform can (a
    file in the direct message; on Teams a file offered in the private chat)."""


@dataclass(frozen=True)
class PulseAnswer:
    survey_id: str


@dataclass(frozen=True)
class PulseClose:
    survey_id: str


@dataclass(frozen=True)
class PulseExport:
    survey_id: str


@dataclass(frozen=True)
class PulseCompare:
    """Your own diagnostic beside the team's results of a survey: shown to the presser only."""

    survey_id: str


@dataclass(frozen=True)
class PulseNumbers:
    """Every question's numbers of a survey's results, where a platform shows them apart (a
    Slack modal; Teams folds them into the card instead)."""

    survey_id: str


@dataclass(frozen=True)
class ForgetConfirm:
    """Delete everything kept about the person (forget-me), after they were asked."""


@dataclass(frozen=True)
class ForgetCancel:
    pass


Intent = (
    RunCommand
    | OpenAsk
    | OpenShare
    | DownloadReport
    | PulseAnswer
    | PulseClose
    | PulseCompare
    | PulseExport
    | PulseNumbers
    | ForgetConfirm
    | ForgetCancel
)


@dataclass(frozen=True)
class Action:
    label: str
    intent: Intent
    primary: bool = False
    destructive: bool = False  # it deletes: drawn as a warning, never as the primary action
    # Asked before a press that cannot be undone: (title, text, confirm, deny).
    confirm: tuple[str, str, str, str] | None = None


@dataclass(frozen=True)
class Actions:
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Choices:
    """A question's options, each a button that answers it."""

    question_id: str
    options: tuple[OptionView, ...]


Element = (
    Title
    | Heading
    | Headline
    | Paragraph
    | Note
    | Hint
    | Quote
    | Items
    | Facts
    | CommandHelp
    | Bars
    | Chart
    | Code
    | Divider
    | Actions
    | Choices
)


@dataclass(frozen=True)
class Chunk:
    """Elements that stay or go together, and how much they matter: when a message is over a
    platform's limits the lowest priority goes first, later before earlier among equals, and
    PINNED never goes. A chunk that `follows` continues the one before it (the rest of a list
    under its heading) and is never shown without it."""

    elements: tuple[Element, ...]
    priority: int = PINNED
    follows: bool = False
    # Only a nicety (a chart of numbers also shown as text): dropped without a note.
    optional: bool = False
    # Detail a platform may fold away behind a button of this label (Teams shows and hides
    # it in place); consecutive chunks with the same label fold together. Drawn as usual
    # where nothing folds.
    folded: str | None = None


@dataclass(frozen=True)
class Document:
    chunks: tuple[Chunk, ...]
    fallback: str  # the message in plain words: notifications, screen readers, old clients
    # An acknowledgement may ride on top of the message that follows it (see the renderers).
    acknowledgement: bool = False


def merged_runs(elements: list[Element]) -> list[Element]:
    """`elements` with each run of list items (or of name and value rows) made one element:
    a list split over chunks is drawn as one list."""
    merged: list[Element] = []
    for element in elements:
        previous = merged[-1] if merged else None
        if isinstance(element, Items) and isinstance(previous, Items):
            merged[-1] = Items(previous.items + element.items)
        elif isinstance(element, Facts) and isinstance(previous, Facts):
            merged[-1] = Facts(previous.facts + element.facts)
        else:
            merged.append(element)
    return merged


def pinned(*elements: Element) -> Chunk:
    return Chunk(elements)


def listed(heading: str, items: list[Item], priority: int) -> list[Chunk]:
    """A headed list as one chunk per item, the heading with the first, so a cut keeps as much
    of the list as fits and never leaves the heading alone."""
    return [
        Chunk((Heading(heading), Items((item,))) if n == 0 else (Items((item,)),), priority, n > 0)
        for n, item in enumerate(items)
    ]


def tabled(heading: str, facts: list[Fact], priority: int) -> list[Chunk]:
    """`listed` for name and value rows."""
    return [
        Chunk((Heading(heading), Facts((fact,))) if n == 0 else (Facts((fact,)),), priority, n > 0)
        for n, fact in enumerate(facts)
    ]
