"""What the services and adapters call where an outcome is known: one call notes it in the
request context (for the log lines that follow) and counts it (when metrics are on)."""

from __future__ import annotations

from bot.observability import context, metrics

# Outcomes of a diagnostic turn (`AdvisorService.handle`).
ANSWERED = "answered"  # the conversation moved on and was saved
COMPLETED = metrics.COMPLETED  # ... and that turn completed the assessment
UNCHANGED = "unchanged"  # nothing to save (help, a question asked back)
DUPLICATE = "duplicate"  # a redelivery, dropped
FAILED = "failed"  # answered with an apology


def turn(platform: str, outcome: str) -> None:
    context.note(outcome=outcome)
    sink = metrics.bound()
    if sink is not None:
        sink.turn(platform, outcome)
        if outcome == FAILED:
            sink.error("turn")


def survey_response(platform: str, outcome: str) -> None:
    context.note(outcome=f"survey_{outcome}")
    sink = metrics.bound()
    if sink is not None:
        sink.survey_response(platform, outcome)


def error(where: str) -> None:
    context.note(outcome="error")
    sink = metrics.bound()
    if sink is not None:
        sink.error(where)


def shed(platform: str, reason: str) -> None:
    """Work turned away with a busy reply (overload, or one conversation's backlog)."""
    context.note(outcome=f"shed_{reason}")
    sink = metrics.bound()
    if sink is not None:
        sink.shed(platform, reason)
