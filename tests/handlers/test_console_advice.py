"""The console end to end: a persona with strong counter-signals gets its tension, the matching
next steps under their horizons, its stage and the binding constraint."""

from __future__ import annotations

import pytest

from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.views import catalogue
from tests.handlers.test_console import chat, flat
from tests.server.test_teams_advice import BANK


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


async def test_the_regulated_bank_sees_its_tension_and_plan(knowledge: Knowledge) -> None:
    output = flat(await chat(knowledge, ["start", *BANK]))
    summary = output[output.index(catalogue.SUMMARY_TITLE) :]
    assert "Recommended: Business-led AI operations" in summary
    assert (
        "Your answers on Risk posture and Regulated industry pull toward Dedicated AI leadership"
        in summary
    )
    assert "Stage 1 of 4: Exploring." in summary
    assert "What holds it back most: Risk posture." in summary
    plan = summary[summary.index(catalogue.YOUR_PLAN_HEADING) :]
    assert "First 30 days: Name one senior owner for model risk" in plan
    assert "By 60 days: Make bias and explainability testing a condition of launch" in plan
    assert "(from your answers on Regulated industry and Risk posture)" in plan
