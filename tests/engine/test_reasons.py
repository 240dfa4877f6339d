"""The summary's reasons stand on the person's own answers: each quotes an answer that pulled
toward the recommendation and the article point behind it."""

from __future__ import annotations

import pytest

from bot.engine.index import index_for
from bot.engine.summary import WHY_COUNT, build_summary
from bot.handlers.slack.render import summary_message
from bot.knowledge import Knowledge
from tests.engine.conftest import NOW
from tests.handlers.slack.checks import all_text

MODELS = ("it_led", "business_led", "dedicated", "shared")


def leaning_hard(knowledge: Knowledge, model_id: str) -> dict[str, str]:
    """Every question answered with the option that pulls hardest toward `model_id`."""
    return {
        question.id: max(question.options, key=lambda o: o.weights.get(model_id, 0)).id
        for question in knowledge.questions
    }


@pytest.mark.parametrize("model_id", MODELS)
def test_each_reason_quotes_an_answer_that_pulled_toward_the_recommendation(
    knowledge: Knowledge, model_id: str
) -> None:
    answers = leaning_hard(knowledge, model_id)
    summary = build_summary(answers, index_for(knowledge), NOW)
    recommended = summary.recommended.id
    chosen = {
        question.option(answers[question.id]).label: question  # type: ignore[union-attr]
        for question in knowledge.questions
    }
    arguing = {s.source for s in knowledge.snippets if recommended in s.models}

    assert len(summary.reasons) == WHY_COUNT
    for reason in summary.reasons:
        assert reason.answer in chosen, reason
        question = chosen[reason.answer]
        option = question.option(answers[question.id])
        assert option is not None
        assert option.weights.get(recommended, 0) > 0
        assert reason.dimension == index_for(knowledge).dimension_name(question.dimension)
        snippet = knowledge.snippet(reason.snippet.id)
        assert snippet is not None
        assert recommended in snippet.models
    ids = [reason.snippet.id for reason in summary.reasons]
    assert len(set(ids)) == len(ids)
    # Spread over the articles, as far as the articles that argue for the model allow.
    assert len({reason.snippet.source.id for reason in summary.reasons}) >= min(2, len(arguing))


def test_with_no_answer_the_reasons_are_general_points(knowledge: Knowledge) -> None:
    skipped: dict[str, str | None] = {question.id: None for question in knowledge.questions}

    summary = build_summary(skipped, index_for(knowledge), NOW)

    assert summary.reasons
    assert all(reason.answer is None for reason in summary.reasons)


def test_the_private_summary_says_which_answer_each_reason_stands_on(
    knowledge: Knowledge,
) -> None:
    summary = build_summary(leaning_hard(knowledge, "dedicated"), index_for(knowledge), NOW)

    private = all_text(summary_message(summary).blocks)
    shared = all_text(summary_message(summary, shared_by="U0ABC123").blocks)

    for reason in summary.reasons:
        assert reason.answer is not None
        assert f"Because you said _“{reason.answer}”_ ({reason.dimension}):" in private
        assert reason.answer not in shared
    assert "Because you said" not in shared


@pytest.mark.parametrize("model_id", MODELS)
def test_after_a_clear_result_the_other_view_is_the_most_disagreeing_article_s(
    knowledge: Knowledge, model_id: str
) -> None:
    summary = build_summary(leaning_hard(knowledge, model_id), index_for(knowledge), NOW)
    recommended = summary.recommended.id
    against = {
        source.id: [s for s in knowledge.snippets if s.source == source.id]
        for source in knowledge.sources
    }
    share = {
        source: sum(1 for s in points if s.models and recommended not in s.models) / len(points)
        for source, points in against.items()
        if points
    }

    assert summary.clarity.value == "clear"
    assert summary.other_view is not None
    assert summary.other_view_for is not None
    other = knowledge.snippet(summary.other_view.id)
    assert other is not None
    assert recommended not in other.models
    assert summary.other_view_for.id in other.models
    assert share[other.source] == max(share.values())
    assert other.id not in {reason.snippet.id for reason in summary.reasons}
