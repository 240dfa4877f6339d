"""The console end to end: a persona with strong counter-signals gets its tension, the matching
next steps under their horizons, its stage and the binding constraint."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.views import catalogue
from tests.handlers.test_console import chat, flat
from tests.report.reading import ink_by_half, pdf_text
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


async def test_report_typed_in_the_chat_writes_the_pdf_here(
    knowledge: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    early = flat(await chat(knowledge, ["report"]))
    assert catalogue.REPORT_TYPED_NO_RESULT in early
    assert files_in(tmp_path) == []

    output = flat(await chat(knowledge, ["start", *BANK, "report"]))
    (written,) = files_in(tmp_path)
    assert f"Wrote your report to {written.name}" in output
    pages, text = pdf_text(written.read_bytes())
    assert pages == 1
    assert min(ink_by_half(written.read_bytes())) > 1000  # drawn, top to bottom: not blank, not cut
    assert "Recommended: Business-led AI operations" in text
    assert "· report" in output  # the summary's hint names what to type


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())
