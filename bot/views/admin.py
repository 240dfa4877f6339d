"""The view of a knowledge administration answer (`reload`, `knowledge`): the headline, the
facts, and the problems of the files verbatim, as many as one message holds and the rest
counted."""

from __future__ import annotations

from typing import Protocol

from bot.views import catalogue
from bot.views.document import (
    Code,
    Document,
    Inline,
    Note,
    Paragraph,
    Tone,
    commands_marked,
    pinned,
    say,
    strong,
)

# Problems shown in one message, in characters: within Slack's budget for a message's text
# (its lower limit of the two platforms), with room for the headline and the facts.
MAX_PROBLEM_CHARS = 11_000


class Report(Protocol):
    """What `bot.admin.service.AdminReport` holds (the views do not import the admin)."""

    @property
    def ok(self) -> bool: ...
    @property
    def title(self) -> str: ...
    @property
    def facts(self) -> tuple[Inline, ...]: ...
    @property
    def errors_title(self) -> Inline: ...
    @property
    def errors(self) -> tuple[str, ...]: ...


def report(answer: Report) -> Document:
    mark = catalogue.REPORT_OK_MARK if answer.ok else catalogue.REPORT_WARNING_MARK
    tone = Tone.NORMAL if answer.ok else Tone.WARNING
    elements: list[Paragraph | Code | Note] = [
        Paragraph(say(f"{mark} ", strong(answer.title)), tone),
        *(Paragraph(fact) for fact in answer.facts),
    ]
    if answer.errors:
        shown, left = shown_problems(answer.errors)
        elements += [Paragraph(answer.errors_title), Code(shown)]
        if left:
            elements.append(Note(commands_marked(catalogue.more_errors(left))))
    return Document((pinned(*elements),), answer.title)


def shown_problems(errors: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
    """The problems that fit in MAX_PROBLEM_CHARS, and how many are left out."""
    total = 0
    for index, error in enumerate(errors):
        total += len(error) + 1
        if total > MAX_PROBLEM_CHARS:
            return errors[:index], len(errors) - index
    return errors, 0
