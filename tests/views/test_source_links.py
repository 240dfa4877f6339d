"""A quote's source on every platform: its title a link where the knowledge gives a URL, then
who wrote it, where and when (`sources.yml`: url, publisher, published)."""

from __future__ import annotations

from datetime import date

from bot.engine.replies import SnippetView, SourceView
from bot.handlers import console_render
from bot.handlers.slack import render as slack
from bot.handlers.teams import render as teams

FULL = SourceView(
    id="ai-ops-not-it",
    title="Why AI Operations Is Not IT",
    author="Jay Banlasan",
    file="003.txt",
    url="https://example.com/ai-ops",
    publisher="The AI Systems Guy",
    published=date(2024, 5, 1),
)
BARE = SourceView(id="ai-vs-it", title="AI vs IT <leadership> & *more*", author=None, file="0.txt")


def test_slack_links_the_title_and_credits_the_rest() -> None:
    assert slack.source_line(FULL) == (
        "— _<https://example.com/ai-ops|Why AI Operations Is Not IT>_, Jay Banlasan, "
        "The AI Systems Guy, 2024-05-01"
    )
    assert slack.source_line(BARE) == "— _AI vs IT &lt;leadership&gt; &amp; *more*_"


def test_teams_links_the_title_and_credits_the_rest() -> None:
    assert teams.source_line(FULL) == (
        "— *[Why AI Operations Is Not IT](https://example.com/ai-ops)*, Jay Banlasan, "
        "The AI Systems Guy, 2024-05-01"
    )
    assert teams.source_line(BARE) == r"— *AI vs IT \<leadership\> \& \*more\**"


def test_the_terminal_shows_the_address_after_the_credit() -> None:
    snippet = SnippetView("s", "text", False, FULL, ())

    assert console_render.source_line(snippet) == (
        "Why AI Operations Is Not IT, Jay Banlasan, The AI Systems Guy, 2024-05-01 "
        "(https://example.com/ai-ops)"
    )
