import pytest

from bot.engine import thresholds as t
from bot.engine.index import index_for
from bot.engine.replies import Clarity
from bot.engine.scoring import score
from bot.engine.summary import build_summary
from bot.knowledge import Knowledge
from tests.engine.conftest import NOW


def answers_leaning_to(knowledge: Knowledge, model_id: str) -> dict[str, str | None]:
    """For every question, the option that weighs `model_id` most (if any does)."""
    answers: dict[str, str | None] = {}
    for question in knowledge.questions:
        best = max(question.options, key=lambda o: o.weights.get(model_id, 0))
        if best.weights.get(model_id, 0) > 0:
            answers[question.id] = best.id
    return answers


@pytest.mark.parametrize("model_id", ["it_led", "business_led", "dedicated", "shared"])
def test_answers_pointing_at_one_model_recommend_it_clearly(
    knowledge: Knowledge, model_id: str
) -> None:
    scoring = score(answers_leaning_to(knowledge, model_id), knowledge)
    assert scoring.recommended == model_id
    assert scoring.clarity is Clarity.CLEAR
    assert not scoring.mixed


def test_scores_are_shares_that_add_up(knowledge: Knowledge) -> None:
    scoring = score(answers_leaning_to(knowledge, "it_led"), knowledge)
    assert abs(sum(scoring.shares.values()) - 1.0) < 1e-9
    assert list(scoring.ranking) == sorted(scoring.shares, key=lambda m: -scoring.shares[m])
    total = sum(scoring.points.values())
    assert scoring.shares["it_led"] == scoring.points["it_led"] / total


def split_between(knowledge: Knowledge, first: str, second: str) -> dict[str, str | None]:
    """Alternate answers between two models, question by question."""
    one, two = answers_leaning_to(knowledge, first), answers_leaning_to(knowledge, second)
    return {q.id: (one if i % 2 == 0 else two).get(q.id) for i, q in enumerate(knowledge.questions)}


def test_split_between_it_and_business_recommends_the_shared_model(
    knowledge: Knowledge,
) -> None:
    scoring = score(split_between(knowledge, "it_led", "business_led"), knowledge)
    assert scoring.clarity is Clarity.CLOSE_CALL
    assert scoring.mixed
    assert scoring.recommended == "shared"
    assert scoring.runner_up in {"it_led", "business_led"}


def test_split_involving_dedicated_is_a_close_call_that_says_so(knowledge: Knowledge) -> None:
    answers = split_between(knowledge, "dedicated", "it_led")
    scoring = score(answers, knowledge)
    assert scoring.clarity in {Clarity.CLOSE_CALL, Clarity.LEANING}
    assert not scoring.mixed
    assert {scoring.recommended, scoring.runner_up} == {"dedicated", "it_led"}
    summary = build_summary(answers, index_for(knowledge), NOW)
    assert "Dedicated" in summary.clarity_text
    assert "IT-led" in summary.clarity_text


def test_shared_is_not_a_default(knowledge: Knowledge) -> None:
    """Mostly IT-led with one business answer stays IT-led."""
    answers = answers_leaning_to(knowledge, "it_led")
    first = knowledge.questions[0]
    answers[first.id] = answers_leaning_to(knowledge, "business_led")[first.id]
    scoring = score(answers, knowledge)
    assert scoring.recommended == "it_led"
    assert not scoring.mixed


def test_too_few_answers_are_insufficient(knowledge: Knowledge) -> None:
    answers = dict(list(answers_leaning_to(knowledge, "dedicated").items())[: t.MIN_ANSWERS - 1])
    scoring = score(answers, knowledge)
    assert scoring.clarity is Clarity.INSUFFICIENT
    assert scoring.recommended == "dedicated"


def test_no_answers_at_all(knowledge: Knowledge) -> None:
    scoring = score({q.id: None for q in knowledge.questions}, knowledge)
    assert scoring.clarity is Clarity.INSUFFICIENT
    assert scoring.skipped == len(knowledge.questions)
    assert sum(scoring.shares.values()) == 0


def test_answers_to_removed_questions_or_options_are_ignored(knowledge: Knowledge) -> None:
    answers = answers_leaning_to(knowledge, "it_led")
    with_noise = {**answers, "gone": "x", knowledge.questions[0].id: "no_such_option"}
    scoring = score(with_noise, knowledge)
    assert len(scoring.answered) == len(answers) - 1
    assert scoring.skipped == 1


def test_summary_explains_itself(knowledge: Knowledge) -> None:
    answers = answers_leaning_to(knowledge, "business_led")
    summary = build_summary(answers, index_for(knowledge), NOW)
    assert summary.recommended.id == "business_led"
    assert "clear" in summary.clarity_text.lower()
    sources = {s.source.id for s in summary.why}
    assert len(summary.why) == 3
    assert len(sources) >= 2  # spread over articles where possible
    assert all("Business-led AI operations" in s.models for s in summary.why)
    assert summary.runner_up is not None
    assert summary.other_view is not None
    runner_up = knowledge.model(summary.runner_up.id)
    assert runner_up is not None
    assert runner_up.name in summary.other_view.models
    model_steps = [(step.horizon, step.text) for step in summary.plan if not step.because]
    steps = knowledge.model("business_led").next_steps  # type: ignore[union-attr]
    assert model_steps == list(zip((30, 60, 90), steps, strict=True))
    for leaning in summary.leanings:
        assert leaning.leaning is None or leaning.leaning.id in knowledge.model_ids


def test_leaning_per_dimension_uses_the_answer(knowledge: Knowledge) -> None:
    question = knowledge.question("reporting_line")
    assert question is not None
    summary = build_summary({"reporting_line": "it"}, index_for(knowledge), NOW)
    (leaning,) = summary.leanings
    assert leaning.answer == question.option("it").label  # type: ignore[union-attr]
    assert leaning.leaning is not None
    assert leaning.leaning.id == "it_led"
