"""Text helpers every chat renderer needs."""

from __future__ import annotations

from bot.engine.replies import ClarificationReply

ELLIPSIS = "…"
# Work turned away under overload (see bot.fair_turns).
BUSY = (
    "I'm handling a lot of requests right now, so I couldn't do that one. "
    "Please try again in a minute."
)


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


# The question echoed above an ask-back, cut to a line.
MAX_PROMPT_ECHO = 150


def clarification_lead(reply: ClarificationReply) -> str:
    """What an ask-back says first, on every front end: the same words everywhere."""
    if reply.understood_nothing:
        return "I couldn't match that to an option. Which comes closest?"
    if len(reply.candidates) == 1:
        return f"Did you mean “{reply.candidates[0].label}”? (yes / no)"
    return "I'm not sure which you meant. Is it one of these?"
