"""LOG_LEVEL reaches the advisor's own loggers, never the libraries that log payloads;
LOG_FORMAT=json writes one JSON object per line with the request context."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import OWN_LOGGERS, JsonFormatter, TextFormatter, configure_logging, formatter
from bot.observability import context

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


@pytest.mark.parametrize(("format", "kind"), [("json", JsonFormatter), ("text", TextFormatter)])
def test_the_format_is_installed(format: str, kind: type[logging.Formatter]) -> None:
    root = logging.getLogger()
    captured = root.handlers[:]  # pytest's own, set up for this test
    root.handlers.clear()  # as at a real start
    try:
        configure_logging("INFO", format)
        [handler] = root.handlers
    finally:
        root.handlers[:] = captured
    assert isinstance(handler.formatter, kind)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="xml"):
        formatter("xml")


def formatted(kind: str, log: logging.Logger, *args: object, exc: bool = False) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(kind))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        if exc:
            log.exception(*args)
        else:
            log.info(*args)
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


def test_a_json_line_outside_a_request_has_no_context_fields() -> None:
    line = formatted("json", logging.getLogger("bot.test.json"), "ready version=%s", "v1")
    assert line.endswith("\n")
    assert line.count("\n") == 1
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["message"] == "ready version=v1"
    assert (entry["level"], entry["logger"]) == ("INFO", "bot.test.json")
    assert entry["time"].endswith("Z")


def test_a_json_line_carries_the_request_context() -> None:
    token = context.begin("req-1")
    try:
        context.note(platform="slack", workspace="T1")
        context.note(outcome="answered")
        context.note(workspace="bad value\nforged=1")  # not a plain token: ignored
        entry = json.loads(formatted("json", logging.getLogger("bot.test.json"), "turn"))
    finally:
        context.end(token)
    fields = ("request_id", "platform", "workspace", "outcome")
    assert {name: entry[name] for name in fields} == {
        "request_id": "req-1",
        "platform": "slack",
        "workspace": "T1",
        "outcome": "answered",
    }
    assert context.current().request_id is None


def test_an_exception_is_its_type_and_frames_never_its_message() -> None:
    secret = "strongly " + "agree"  # not in this file's source, which the frames quote
    try:
        raise KeyError(f"survey answer: {secret}")
    except KeyError:
        line = formatted("json", logging.getLogger("bot.test.json"), "failed", exc=True)
    entry = json.loads(line)
    assert entry["exc_type"] == "builtins.KeyError"
    assert "test_an_exception_is_its_type_and_frames_never_its_message" in entry["traceback"]
    assert secret not in line


def test_a_text_line_ends_with_the_request_context() -> None:
    token = context.begin("req-2")
    try:
        context.note(platform="teams")
        line = formatted("text", logging.getLogger("bot.test.text"), "turn user=%s", "U1")
    finally:
        context.end(token)
    assert line.rstrip().endswith("turn user=U1 [request_id=req-2 platform=teams]")
