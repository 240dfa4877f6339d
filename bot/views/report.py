"""What the advisor says around a summary's PDF report (the summary's "Download report" button):
a notice, with the button again under a failed attempt.

The button again matters on Slack: a press of the summary's own button is recognised as a
repeat of itself (a double click) for a day, so a retry needs a button on a new message."""

from __future__ import annotations

from bot.engine.replies import NoticeLevel, NoticeReply
from bot.views import catalogue
from bot.views.diagnostic import notice
from bot.views.document import Action, Actions, Document, DownloadReport, pinned


def report_notice(
    text: str, level: NoticeLevel = NoticeLevel.INFO, *, retry: bool = False
) -> Document:
    """`text` as a notice; with `retry`, and a "Download report" button under it."""
    said = notice(NoticeReply(text, level))
    if not retry:
        return said
    again = pinned(Actions((Action(catalogue.REPORT_BUTTON, DownloadReport()),)))
    return Document((*said.chunks, again), said.fallback)
