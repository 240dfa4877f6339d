"""The views of forget-me: the question before anything is deleted, and the report after."""

from __future__ import annotations

from collections.abc import Sequence

from bot.views import catalogue
from bot.views.document import (
    Action,
    Actions,
    Document,
    ForgetCancel,
    ForgetConfirm,
    Heading,
    Item,
    Items,
    Paragraph,
    Tone,
    pinned,
    say,
)


def confirmation() -> Document:
    buttons = (
        Action(catalogue.FORGET_CONFIRM_BUTTON, ForgetConfirm(), destructive=True),
        Action(catalogue.CANCEL, ForgetCancel()),
    )
    chunk = pinned(
        Heading(catalogue.FORGET_CONFIRM_TITLE),
        Paragraph(say(catalogue.FORGET_CONFIRM_TEXT)),
        Actions(buttons),
    )
    return Document((chunk,), catalogue.FORGET_CONFIRM_TITLE)


def report(title: str, deleted: Sequence[str], kept: Sequence[str]) -> Document:
    """What was deleted and what stays (the service's plain sentences, no user input)."""
    gone: list[Heading | Items] = [Heading(title)]
    if deleted:
        gone.append(Items(tuple(Item("•", say(line)) for line in deleted)))
    stays = (
        Heading(catalogue.FORGET_KEPT_HEADING),
        Items(tuple(Item("•", say(line)) for line in kept)),
    )
    fallback = " ".join([title, *(f"{line}." for line in deleted)])
    return Document((pinned(*gone), pinned(*stays)), fallback)


def notice(text: str) -> Document:
    return Document((pinned(Paragraph(say(text), Tone.NORMAL)),), text)
