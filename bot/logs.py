"""Logging, configured once at the entry point.

LOG_LEVEL applies to the advisor's own loggers (`bot`, `storage`), which log ids and outcomes
only. Libraries stay at INFO or above whatever LOG_LEVEL says: at DEBUG, aiosqlite prints every
statement's parameters (conversation state, survey answers), slack_bolt and slack_sdk print
request bodies, and msrest prints the activities it sends, all of which would put what people
typed and answered into the logs.
"""

from __future__ import annotations

import logging
import sys

OWN_LOGGERS = ("bot", "storage")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str) -> None:
    numeric = logging.getLevelName(level)
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    logging.basicConfig(stream=sys.stderr, format=FORMAT)
    logging.getLogger().setLevel(max(numeric, logging.INFO))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(numeric)
