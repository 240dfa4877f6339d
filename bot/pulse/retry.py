"""What a platform call raises when it was rate limited (shared by the runner's publishers and
the private reminders' directories; `bot.pulse.runner` re-exports it)."""

from __future__ import annotations


class RetryLater(Exception):
    """The platform refused a call for now (a 429) and said how long to wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited: retry after {seconds:g} s")
        self.seconds = seconds
