"""Small pieces several views share: where a view is shown, cutting a text, listing options,
a command button and a list of article snippets."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from bot.engine.replies import OptionView, SnippetView, SourceView
from bot.engine.turn import Command
from bot.views.document import Action, Chunk, Quote, RunCommand

# The question echoed above an ask-back, cut to a line.
MAX_PROMPT_ECHO = 150
# Snippets rank by their place in a list: later ones go first when a message must be cut.
SNIPPETS = 50
ELLIPSIS = "…"


class Surface(StrEnum):
    """Where a view is shown, for the few views whose content depends on what a platform
    offers (its commands), never on how it draws."""

    SLACK = "slack"
    TEAMS = "teams"
    CONSOLE = "console"


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: cut at a word boundary when one is near (in the
    second half), and ended with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - len(ELLIPSIS), 0)]
    boundary = max(head.rfind(" "), head.rfind("\n"))
    if boundary >= len(head) // 2:
        head = head[:boundary]
    return head.rstrip() + ELLIPSIS


# A cell's eighths, for a bar's last, partly filled cell.
_EIGHTHS = " ▏▎▍▌▋▊▉"


def text_bar(share: float, width: int = 10) -> str:
    """A share (0-1) as a bar of block characters, for texts that cannot draw one. Each cell
    is drawn in eighths, so 26% and 35% look as different as they are."""
    eighths = min(max(round(share * width * 8), 0), width * 8)
    full, part = divmod(eighths, 8)
    partial = _EIGHTHS[part] if part else ""
    return "█" * full + partial + "░" * (width - full - len(partial))


def one_line(text: str, limit: int) -> str:
    """`text` with every run of whitespace made one space, cut to `limit`."""
    return cut(" ".join(text.split()), limit)


def numbered(options: Sequence[OptionView]) -> str:
    return "\n".join(f"{option.number}) {option.letter}. {option.label}" for option in options)


def command_action(label: str, command: Command, *, primary: bool = False) -> Action:
    return Action(label, RunCommand(command), primary)


def snippet_chunks(snippets: Sequence[SnippetView], marker: str) -> list[Chunk]:
    """One chunk per snippet (text, then its source), later snippets dropped first; `marker`
    may number them ("{n}.")."""
    return [
        Chunk((Quote(snippet, marker.format(n=n)),), SNIPPETS - min(n, 40))
        for n, snippet in enumerate(snippets, 1)
    ]


def credit(source: SourceView) -> str:
    """Who wrote an article, where and when, as it follows its title (", Jay Banlasan, The AI
    Systems Guy, 2024-05-01"); empty when the knowledge says none of it."""
    published = source.published.isoformat() if source.published else None
    return "".join(f", {part}" for part in (source.author, source.publisher, published) if part)
