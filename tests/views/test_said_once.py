"""What the advisor says to people is written once, in `bot.views.catalogue` (and the engine):
an adapter or renderer that spells out a sentence of its own fails here."""

from __future__ import annotations

from pathlib import Path

import bot
from tests.views.sentences import sentences_in

HANDLERS = Path(bot.__file__).parent / "handlers"
# Modules whose words are for machines and operators, not for people in a chat: the reasons a
# malformed request is refused (HTTP 400 bodies), key-fetching errors, and the Teams package
# builder's command-line output.
NOT_FOR_CHAT = {
    "slack/signed.py",
    "slack/deliveries.py",
    "slack/oauth_state.py",
    "teams/activity_shape.py",
    "teams/signing_keys.py",
    "teams/package.py",
}


def test_no_adapter_or_renderer_writes_its_own_sentences() -> None:
    found = [
        str(literal)
        for path in sorted(HANDLERS.rglob("*.py"))
        if path.relative_to(HANDLERS).as_posix() not in NOT_FOR_CHAT
        for literal in sentences_in(path)
    ]
    assert not found, "say these in bot/views/catalogue.py:\n" + "\n".join(found)
