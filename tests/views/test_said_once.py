"""What the advisor says to people is written once, in `bot.views.catalogue` (and the engine):
an adapter, a renderer or a service that spells out a sentence of its own fails here."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import bot
from tests.views.sentences import sentences_in

BOT = Path(bot.__file__).parent
HANDLERS = BOT / "handlers"
# Modules whose words are for machines and operators, not for people in a chat: the reasons a
# malformed request is refused (HTTP 400 bodies), key-fetching errors, and the Teams package
# builder's command-line output.
NOT_FOR_CHAT = {
    "slack/signed.py",
    "slack/oauth_state.py",
    "teams/activity_shape.py",
    "teams/signing_keys.py",
    "teams/package.py",
}

# The services below the adapters, whose answers the adapters show as they are.
SERVICES = (BOT / "forget.py", BOT / "service.py", BOT / "pulse", BOT / "admin")
# Service modules for machines and operators, relative to `bot/`: the pulse job runner (its only
# words, RetryLater's message, go to the logs), and `advisor knowledge reload`: its command-line
# output and the admin endpoint's error bodies, which that command reads.
SERVICES_NOT_FOR_CHAT = {
    "pulse/runner.py",
    "pulse/retry.py",  # RetryLater's message (moved from the runner), for logs
    "admin/client.py",
    "admin/http.py",
}


def _sentences(paths: Iterable[Path], root: Path, not_for_chat: set[str]) -> list[str]:
    return [
        str(literal)
        for path in sorted(paths)
        if path.relative_to(root).as_posix() not in not_for_chat
        for literal in sentences_in(path)
    ]


def test_no_adapter_or_renderer_writes_its_own_sentences() -> None:
    found = _sentences(HANDLERS.rglob("*.py"), HANDLERS, NOT_FOR_CHAT)
    assert not found, "say these in bot/views/catalogue.py:\n" + "\n".join(found)


def test_no_service_writes_its_own_sentences() -> None:
    paths = [path for place in SERVICES for path in _modules(place)]
    assert {(BOT / name).is_file() for name in SERVICES_NOT_FOR_CHAT} == {True}
    found = _sentences(paths, BOT, SERVICES_NOT_FOR_CHAT)
    assert not found, "say these in bot/views/catalogue.py:\n" + "\n".join(found)


def _modules(place: Path) -> list[Path]:
    return sorted(place.rglob("*.py")) if place.is_dir() else [place]
