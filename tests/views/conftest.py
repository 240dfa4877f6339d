"""The synthetic maximal knowledge of the Slack renderer's tests, for every platform here."""

from tests.handlers.slack.conftest import maximal

__all__ = ["maximal"]
