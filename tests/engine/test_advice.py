"""The advice beyond the scores: tensions named with what follows from them, steps the answers
call for, the maturity stage and the binding constraint, and a plan in three horizons."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.advice import MAX_EXTRA_STEPS, MAX_TENSIONS
from bot.engine.index import index_for
from bot.engine.summary import build_summary
from bot.knowledge import Knowledge
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import HORIZONS
from tests.engine.conftest import NOW
from tests.knowledge.test_loader import BUNDLED

# The bank of the issue: heavily regulated, decisions affect people, bias its worst fear, and
# otherwise everything says "let the business run it".
BANK = {
    "mandate": "pain_points",
    "ai_maturity": "not_started",
    "success_metrics": "roi",
    "time_horizon": "quick_trial",
    "reporting_line": "business",
    "talent_model": "business_staff",
    "risk_posture": "harm",
    "regulation": "high_stakes",
    "culture": "pragmatic",
    "data_approach": "in_workflows",
    "operations_model": "business_owner",
    "it_capability": "stretched",
}


def test_a_regulated_bank_led_by_the_business_gets_its_risk_tension_and_steps(
    knowledge: Knowledge,
) -> None:
    summary = build_summary(BANK, index_for(knowledge), NOW)
    assert summary.recommended.id == "business_led"

    (tension,) = summary.tensions
    assert tension.toward.id == "dedicated"
    assert set(tension.dimensions) == {"Risk posture", "Regulated industry"}
    assert "Heavily regulated, and AI affects people's outcomes" in tension.answers
    assert "model risk" in tension.advice

    texts = [step.text for step in summary.plan]
    risk_owner = knowledge.tensions[0].step
    assert risk_owner is not None
    assert risk_owner.text in texts
    bias = next(step for step in knowledge.steps if step.id == "bias-testing")
    assert bias.text in texts  # the combination of two answers
    by_text = {step.text: step for step in summary.plan}
    assert by_text[bias.text].horizon == 60
    assert set(by_text[bias.text].because) == {"Regulated industry", "Risk posture"}


def test_no_tension_when_the_answers_agree(knowledge: Knowledge) -> None:
    answers = {**BANK, "risk_posture": "unused", "regulation": "light"}
    summary = build_summary(answers, index_for(knowledge), NOW)
    assert summary.recommended.id == "business_led"
    assert summary.tensions == ()
    assert summary.constraint is None  # nothing leans two weights away from it


def test_one_answer_against_is_not_yet_a_tension(knowledge: Knowledge) -> None:
    answers = {**BANK, "risk_posture": "unused"}
    summary = build_summary(answers, index_for(knowledge), NOW)
    assert summary.tensions == ()
    assert summary.constraint is not None
    assert summary.constraint.dimension == "Regulated industry"
    assert summary.constraint.pulls_toward.id == "dedicated"
    assert summary.constraint.unblock  # the dimension says what loosens it


def test_the_stage_follows_the_answers(knowledge: Knowledge) -> None:
    index = index_for(knowledge)
    names = {}
    for option in ("not_started", "scattered_pilots", "some_live", "operating_model"):
        stage = build_summary({"ai_maturity": option}, index, NOW).stage
        assert stage is not None
        assert stage.of == len(knowledge.stages)
        names[option] = (stage.number, stage.name)
    assert [number for number, _ in names.values()] == [1, 2, 3, 4]
    assert build_summary({"mandate": "platform"}, index, NOW).stage is None


def test_a_stage_tie_goes_to_the_earlier_stage(knowledge: Knowledge) -> None:
    # Skipping where AI stands leaves the smaller signals to decide: "stretched" (exploring)
    # against "mlops" (transforming), one each.
    answers = {"it_capability": "stretched", "operations_model": "mlops"}
    stage = build_summary(answers, index_for(knowledge), NOW).stage
    assert stage is not None
    assert stage.id == "exploring"


def test_knowledge_without_advice_still_summarises(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(BUNDLED, folder)
    (folder / "advice.yml").unlink()
    knowledge = load_knowledge(folder)
    summary = build_summary(BANK, index_for(knowledge), NOW)
    assert summary.tensions == ()
    assert summary.stage is None
    assert [step.horizon for step in summary.plan] == list(HORIZONS)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_plan_and_tensions_hold_their_shape_for_any_answers(
    knowledge: Knowledge, data: st.DataObject
) -> None:
    answers = {
        question.id: data.draw(st.sampled_from([None, *[o.id for o in question.options]]))
        for question in knowledge.questions
        if data.draw(st.booleans())
    }
    summary = build_summary(answers, index_for(knowledge), NOW)
    model = knowledge.model(summary.recommended.id)
    assert model is not None
    plan = summary.plan
    assert [step.horizon for step in plan] == sorted(step.horizon for step in plan)
    assert [step.text for step in plan if not step.because] == list(model.next_steps)
    assert len(plan) <= len(HORIZONS) + MAX_EXTRA_STEPS
    assert len({step.text for step in plan}) == len(plan)
    assert len(summary.tensions) <= MAX_TENSIONS
    assert len({t.toward.id for t in summary.tensions}) == len(summary.tensions)
    for tension in summary.tensions:
        assert tension.toward.id != summary.recommended.id
        assert len(tension.answers) == len(tension.dimensions) >= 2
    if summary.constraint is not None:
        assert summary.constraint.pulls_toward.id != summary.recommended.id
