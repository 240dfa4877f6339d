"""Teams end to end: a regulated bank that wants the business to lead gets its tension and the
steps that follow from it; a retake shows what changed, and `summary` the earlier results."""

from __future__ import annotations

from bot.views import catalogue
from testing.flows.teams import is_summary, text_of
from tests.server.test_teams import TeamsServer, say, server

__all__ = ["server"]  # the fixture, used by name

# The bank of the issue, by option letter in question order: pain points, early days, ROI, a
# few weeks, a business leader, business people, biased decisions, heavily regulated,
# practical, apps and sheets, the business owner, IT stretched.
BANK = ["b", "a", "b", "b", "b", "b", "c", "a", "b", "b", "b", "b"]


async def answer_all(server: TeamsServer, letters: list[str]) -> str:
    for letter in letters:
        await say(server, letter, 1)
    summary = server.connector.sent()[-1]
    assert is_summary(summary)
    return text_of(summary)


async def test_the_bank_gets_its_tension_and_steps_then_progress(server: TeamsServer) -> None:
    await say(server, "start", 2)
    first = await answer_all(server, BANK)
    assert "Business-led AI operations" in first
    assert catalogue.TENSIONS_HEADING in first
    assert "pull toward **Dedicated AI leadership**" in first
    assert "model risk" in first
    assert "Make bias and explainability testing a condition of launch" in first
    assert "Stage 1 of 4: Exploring" in first
    assert catalogue.PROGRESS_HEADING not in first

    await say(server, "restart", 2)
    second = await answer_all(server, ["a"] * len(BANK))
    assert catalogue.PROGRESS_HEADING in second
    assert "Business-led AI operations on " in second
    assert "IT-led AI platform now" in second

    await say(server, "summary", 1)
    again = text_of(server.connector.sent()[-1])
    assert catalogue.PROGRESS_HEADING in again
    assert catalogue.HISTORY_HEADING in again
    assert "Business-led AI operations (" in again
