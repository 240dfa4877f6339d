"""The copy of a summary shared to a channel shows the recommendation, the stage and the plan,
and never the sharer's answers: not as reasons, tensions, a binding constraint, progress or
history, nor as the plan's note of which answers called for a step."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.index import index_for
from bot.engine.replies import AnswerChange, HistoryEntry, ProgressView
from bot.engine.summary import build_summary
from bot.handlers.slack.render import summary_message
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.views import catalogue
from tests.engine.conftest import NOW
from tests.engine.test_advice import BANK
from tests.handlers.slack.checks import all_text

SHARER = "U0SHARER1"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


def shared_text(knowledge: Knowledge, answers: dict[str, str | None]) -> tuple[str, str]:
    summary = build_summary(answers, index_for(knowledge), NOW)
    private = all_text(summary_message(summary).blocks)
    shared = all_text(summary_message(summary, shared_by=SHARER).blocks)
    return private, shared


def test_the_shared_copy_shows_recommendation_stage_and_plan(knowledge: Knowledge) -> None:
    summary = build_summary(BANK, index_for(knowledge), NOW)
    shared = all_text(summary_message(summary, shared_by=SHARER).blocks)
    assert summary.recommended.name in shared
    assert summary.stage is not None
    assert summary.stage.name in shared
    assert catalogue.YOUR_PLAN_HEADING in shared
    for step in summary.plan:
        assert step.text[:60] in shared
    assert catalogue.TENSIONS_HEADING not in shared
    assert "What holds it back most" not in shared
    assert "from your answer" not in shared


def test_the_shared_copy_leaves_out_progress_and_history(knowledge: Knowledge) -> None:
    summary = build_summary(BANK, index_for(knowledge), NOW)
    secret = "Secret earlier answer"
    summary = replace(
        summary,
        progress=ProgressView(
            date(2026, 1, 2), "Earlier model", True, (), (AnswerChange("Dim", secret, None),)
        ),
        history=(HistoryEntry(date(2026, 1, 2), "Earlier model", "clear", 0.5),),
    )
    private = all_text(summary_message(summary).blocks)
    shared = all_text(summary_message(summary, shared_by=SHARER).blocks)
    assert secret in private
    assert "Earlier model" in private
    assert secret not in shared
    assert "Earlier model" not in shared


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_no_answer_reaches_the_shared_copy(knowledge: Knowledge, data: st.DataObject) -> None:
    answers: dict[str, str | None] = {
        q.id: data.draw(st.sampled_from([o.id for o in q.options])) for q in knowledge.questions
    }
    private, shared = shared_text(knowledge, answers)
    for question in knowledge.questions:
        option = question.option(answers[question.id] or "")
        assert option is not None
        assert option.label in private  # the private summary lists every answer
        assert option.label not in shared
