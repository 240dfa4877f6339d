"""Turn the text Slack sends into the plain text the engine understands.

Slack escapes `&`, `<` and `>` as entities and writes mentions, channel links and URLs in angle
brackets (`<@U123>`, `<!here>`, `<#C1|general>`, `<https://x|label>`). The engine should see
what the user meant to say, never markup it could echo back as a live mention.
"""

from __future__ import annotations

import html
import re

_SPECIAL = re.compile(r"<([^<>]*)>")
# Nobody types an essay as an answer; the engine cuts answers further itself.
MAX_INPUT = 4000


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Readable plain text: the bot's own mention removed, other mentions and links replaced by
    their labels (or dropped), entities decoded."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if bot_user_id is not None and target == f"@{bot_user_id}":
            return " "
        if target.startswith(("@", "!", "#")):
            return label or ""
        return label or target

    cleaned = _SPECIAL.sub(replace, text[: MAX_INPUT * 2])
    return " ".join(html.unescape(cleaned).split())[:MAX_INPUT]
