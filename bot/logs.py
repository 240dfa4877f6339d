"""Logging, configured once at the entry point.

LOG_LEVEL applies to the advisor's own loggers (`bot`, `storage`), which log ids and outcomes
only. Libraries stay at INFO or above whatever LOG_LEVEL says: at DEBUG, aiosqlite prints every
statement's parameters (conversation state, survey answers), slack_bolt and slack_sdk print
request bodies, and msrest prints the activities it sends, all of which would put what people
typed and answered into the logs.

LOG_FORMAT=json writes one JSON object per line for log collectors: time (ISO 8601, UTC),
level, logger, message, and the request context when there is one (request_id, platform,
workspace, outcome: see `bot.observability.context`). An exception appears as its type and its
traceback's frames, never its message: a driver's message can quote a statement's parameters
or a connection URL. The text format appends the same context fields as `key=value`.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

from bot.observability import context

OWN_LOGGERS = ("bot", "storage")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str, format: str = "text") -> None:
    numeric = logging.getLevelName(level)
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(format))
    logging.basicConfig(handlers=[handler])
    logging.getLogger().setLevel(max(numeric, logging.INFO))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(numeric)


def formatter(format: str) -> logging.Formatter:
    if format == "json":
        return JsonFormatter()
    if format == "text":
        return TextFormatter(FORMAT)
    raise ValueError(f"unknown log format {format!r} (text or json)")


class TextFormatter(logging.Formatter):
    """The readable line, with the request context's fields at its end."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = context.current().fields()
        if not fields:
            return line
        extra = " ".join(f"{name}={value}" for name, value in fields.items())
        first, newline, rest = line.partition("\n")  # after the message, before a traceback
        return f"{first} [{extra}]{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per record. The context is read when the record is formatted, which a
    StreamHandler does at once, in the task that logged."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **context.current().fields(),
        }
        if record.exc_info is not None and record.exc_info[0] is not None:
            kind, _error, trace = record.exc_info
            entry["exc_type"] = f"{kind.__module__}.{kind.__qualname__}"
            entry["traceback"] = "".join(traceback.format_tb(trace))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _utc(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
