"""Turning our messages into the activities Teams is sent (reading what Teams sends is
`translate`'s)."""

from __future__ import annotations

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, TextFormatTypes

from bot.handlers.teams.card_body import FinishedCard
from bot.handlers.teams.cards import TeamsMessage


def to_activity(message: TeamsMessage) -> Activity:
    if message.card is None:
        return MessageFactory.text(message.text)
    activity = MessageFactory.attachment(CardFactory.adaptive_card(FinishedCard(message.card)))
    activity.summary = message.text  # the notification text
    return activity


def markdown_activity(text: str) -> Activity:
    """A message of markdown `text`."""
    activity = MessageFactory.text(text)
    activity.text_format = TextFormatTypes.markdown
    return activity


def fenced_markdown(title: str, body: str) -> Activity:
    """`body` verbatim in a markdown code block below `title`."""
    return markdown_activity(f"{title}\n\n{code_block(body)}")


def code_block(text: str) -> str:
    """`text` in a fenced markdown code block; the fence is longer than any backtick run in
    the text (knowledge labels and errors may hold some), so nothing can close it early."""
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}\n{text}\n{fence}"


def _longest_backticks(text: str) -> int:
    longest = run = 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return longest
