"""LOG_LEVEL reaches the advisor's own loggers, never the libraries that log payloads."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import OWN_LOGGERS, configure_logging

LIBRARIES = ("aiosqlite", "slack_bolt", "slack_sdk", "botbuilder", "msrest", "sqlalchemy")


@pytest.fixture(autouse=True)
def restore_levels() -> Iterator[None]:
    names = ["", *OWN_LOGGERS, *LIBRARIES]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_debug_is_for_our_own_loggers_only() -> None:
    configure_logging("DEBUG")
    assert logging.getLogger("bot.pulse.service").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("storage.sql").isEnabledFor(logging.DEBUG)
    for library in LIBRARIES:
        assert not logging.getLogger(library).isEnabledFor(logging.DEBUG), library


def test_warning_applies_to_everyone() -> None:
    configure_logging("WARNING")
    assert not logging.getLogger("bot").isEnabledFor(logging.INFO)
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.INFO)
    assert logging.getLogger("aiosqlite").isEnabledFor(logging.WARNING)


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="LOUD"):
        configure_logging("LOUD")
