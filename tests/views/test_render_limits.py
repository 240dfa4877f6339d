"""Every view, drawn on every platform, from the bundled knowledge and from a synthetic maximal
knowledge (every text at its schema maximum, hostile markup, four times the questions): each
Slack message and Teams card stays within its platform's limits and safe, and the terminal
draws it within its width."""

from __future__ import annotations

import io
from typing import cast

import pytest
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from rich.cells import cell_len
from rich.console import Console

from bot.admin.service import AdminReport
from bot.engine.pulse import pulse_results
from bot.engine.replies import NoticeLevel, Reply
from bot.handlers import console_render
from bot.handlers.slack import render as slack
from bot.handlers.teams import render as teams
from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.card_body import pass_cards_through
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.views import admin, forget, pulse
from bot.views.diagnostic import help_view, view, welcome_view
from bot.views.document import Document, mention, say
from bot.views.parts import Surface
from bot.views.pulse import SurveyView
from bot.views.report import report_notice
from bot.views.summary import home_view, summary_view
from tests.handlers.slack import checks as slack_checks
from tests.handlers.slack.conftest import (
    HOSTILE,
    NOW,
    WORDS,
    MaximalFactory,
    longest_answers_summary,
)
from tests.handlers.slack.test_blocks_limits import every_reply
from tests.handlers.slack.test_blocks_pulse import split_results
from tests.handlers.teams import card_checks

WIDTH = 80
PNG = b"\x89PNG" + bytes(2_000)


def documents(knowledge: Knowledge, surface: Surface) -> list[tuple[str, Document]]:
    """Every view there is, with the longest content this knowledge can give it."""
    replies = [cast(Reply, reply) for reply in every_reply(knowledge)]
    summary = longest_answers_summary(knowledge)
    survey = SurveyView("0" * 32, len(knowledge.pulse_questions), 3, NOW, None, True, False)
    closed = SurveyView("0" * 32, len(knowledge.pulse_questions), 3, NOW, NOW, False, True)
    question_ids = [q.id for q in knowledge.pulse_questions]
    hidden = pulse_results(2, {}, question_ids, knowledge, 5)
    found: list[tuple[str, Document]] = [
        (type(reply).__name__, view(reply, surface)) for reply in replies
    ]
    found += [
        ("summary", summary_view(summary)),
        ("shared summary", summary_view(summary, shared_by="U123")),
        ("home", home_view(summary, in_progress=True)),
        ("home, no result", home_view(None, in_progress=False)),
        ("help", help_view((("help", HOSTILE * 20),) * 30, surface, unknown=HOSTILE * 20)),
        ("welcome", welcome_view(personal=True)),
        ("welcome to a team", welcome_view(personal=False)),
        ("survey card", pulse.survey_card(survey, 10_000, surface)),
        ("closed survey card", pulse.survey_card(closed, 10_000, surface)),
        ("reminder", pulse.reminder(survey, 1)),
        ("results", pulse.results(closed, split_results(knowledge, 9), PNG)),
        ("hidden results", pulse.results(closed, hidden)),
        ("forget-me question", forget.confirmation()),
        ("forget-me report", forget.report(HOSTILE, (HOSTILE,) * 8, (HOSTILE,) * 3)),
        ("forget-me notice", forget.notice(HOSTILE)),
        ("admin report", admin.report(admin_report(ok=False))),
        ("admin status", admin.report(admin_report(ok=True))),
        ("report notice", report_notice(HOSTILE * 20)),
        ("report failed", report_notice(HOSTILE * 20, NoticeLevel.ERROR, retry=True)),
    ]
    return found


def admin_report(ok: bool) -> AdminReport:
    """An answer to an admin with a thousand problems of hostile text, and a mention."""
    problems = tuple(f"questions/{n}.yml:{n}: {HOSTILE * 3}" for n in range(1000))
    facts = (say(HOSTILE), say("Loaded by ", mention("U123"), "."))
    return AdminReport(ok, HOSTILE, facts, say(HOSTILE, mention("U123")), problems)


@pytest.fixture(scope="module", params=["bundled", "words", "hostile"])
def knowledge(request: pytest.FixtureRequest, maximal: MaximalFactory) -> Knowledge:
    patterns = {"words": WORDS, "hostile": HOSTILE}
    if request.param == "bundled":
        return load_knowledge(default_knowledge_dir())
    return maximal(patterns[request.param])


def test_every_view_fits_slack(knowledge: Knowledge) -> None:
    for name, document in documents(knowledge, Surface.SLACK):
        message = slack.draw(document)
        try:
            slack_checks.assert_valid_message(message)
            slack_checks.assert_safe_message(message, mentions=("<@U123>", slack.slack_date(NOW)))
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error


def test_every_view_fits_teams(knowledge: Knowledge) -> None:
    for name, document in documents(knowledge, Surface.TEAMS):
        message = teams.draw(document)
        try:
            card_checks.assert_valid_message(message)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error


def test_every_card_is_sent_as_msrest_would_send_it(knowledge: Knowledge) -> None:
    """Cards skip msrest's walk (`bot.handlers.teams.card_body`): the JSON sent is the same."""
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url="http://127.0.0.1:9")
    msrest = client.conversations._serialize
    passing = pass_cards_through(client).conversations._serialize
    for name, document in documents(knowledge, Surface.TEAMS):
        activity = to_activity(teams.draw(document))
        sent = passing.body(activity, "Activity")
        assert sent == msrest.body(card_checks.with_plain_cards(activity), "Activity"), name


def test_every_view_draws_in_the_terminal(knowledge: Knowledge) -> None:
    for name, document in documents(knowledge, Surface.CONSOLE):
        screen = io.StringIO()
        Console(file=screen, width=WIDTH, color_system=None).print(console_render.draw(document))
        lines = screen.getvalue().splitlines()
        assert lines, name
        assert max(cell_len(line) for line in lines) <= WIDTH, name


def test_the_views_cover_every_reply_kind() -> None:
    """A reply kind added to the engine without a view fails the type check of
    `bot.views.diagnostic.views`; this checks the list above draws each kind too."""
    bundled = load_knowledge(default_knowledge_dir())
    names = {name for name, _ in documents(bundled, Surface.SLACK)}
    for kind in ("QuestionReply", "ClarificationReply", "ExplanationReply"):
        assert kind in names
    assert {"AcknowledgementReply", "AnswerReply"} <= names
