"""The "You and your team" view, drawn from the engine's comparison on the bundled knowledge,
and on Slack and Teams."""

from __future__ import annotations

import json

from bot.engine.index import index_for
from bot.engine.pulse import PulseResults, pulse_results
from bot.engine.pulse_compare import compare
from bot.handlers.slack.render import draw as slack_draw
from bot.handlers.teams.render import draw as teams_draw
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.views import catalogue
from bot.views.document import Bars, Document, Headline, Paragraph, Quote, Title
from bot.views.pulse_compare import comparison

KNOWLEDGE = load_knowledge(default_knowledge_dir())
INDEX = index_for(KNOWLEDGE)
PULSE = KNOWLEDGE.pulse_questions


def team_results(pick: int) -> PulseResults:
    counts = {q.id: {q.options[pick].id: 6} for q in PULSE}
    return pulse_results(6, counts, [q.id for q in PULSE], KNOWLEDGE, 5)


def view(mine: int, team: int) -> Document:
    answers: dict[str, str | None] = {q.id: q.options[mine].id for q in KNOWLEDGE.questions}
    results = team_results(team)
    return comparison(compare(answers, results, INDEX), INDEX)


def elements(document: Document) -> list[object]:
    return [element for chunk in document.chunks for element in chunk.elements]


def texts(document: Document) -> str:
    return json.dumps([repr(element) for element in elements(document)], ensure_ascii=False)


def test_each_question_shows_your_answer_beside_the_team_s_bars() -> None:
    document = view(0, 3)
    shown = texts(document)
    assert document.chunks[0].elements[0] == Title(catalogue.COMPARE_TITLE)
    for question in PULSE:
        assert question.prompt in shown
        assert catalogue.you_answered(question.options[0].label) in shown
    bars = [element for element in elements(document) if isinstance(element, Bars)]
    assert len(bars) == len(PULSE)
    assert all(bar.count in (0, 6) for group in bars for bar in group.bars)


def test_scores_side_by_side_and_the_differences_with_their_point() -> None:
    document = view(0, 3)
    shown = texts(document)
    assert catalogue.COMPARE_SCORES_HEADING in shown
    assert "you 0% · team" in shown
    assert catalogue.COMPARE_DIFFERENCES_HEADING in shown
    quotes = [element for element in elements(document) if isinstance(element, Quote)]
    assert 2 <= len(quotes) <= 3
    assert all(quote.snippet.text and quote.snippet.source.title for quote in quotes)
    [headline] = [element for element in elements(document) if isinstance(element, Headline)]
    assert "you lean to" in headline.text


def test_the_same_answers_have_no_differences() -> None:
    document = view(0, 0)
    shown = texts(document)
    assert catalogue.COMPARE_NO_DIFFERENCES in shown
    assert not any(isinstance(element, Quote) for element in elements(document))
    paragraphs = [e for e in elements(document) if isinstance(e, Paragraph)]
    assert paragraphs


def test_it_draws_on_slack_and_teams_within_their_limits() -> None:
    document = view(0, 3)
    slack = slack_draw(document)
    assert len(slack.blocks) <= 100
    assert catalogue.COMPARE_TITLE in json.dumps(slack.blocks, ensure_ascii=False)
    teams = teams_draw(document)
    assert teams.card is not None
    assert len(json.dumps(teams.card, separators=(",", ":"))) < 28_000
