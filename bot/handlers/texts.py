"""Text helpers every chat renderer needs."""

from __future__ import annotations

ELLIPSIS = "…"


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
