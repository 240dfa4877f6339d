"""The regulated bank's report carries its tension, the steps its answers call for (and which
answers called for them), its stage and its binding constraint, on one page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.engine.index import index_for
from bot.engine.replies import ProgressView
from bot.engine.summary import build_summary
from bot.report import render_report
from tests.engine.test_advice import BANK
from tests.report.reading import pdf_text
from tests.report.summaries import NOW, bundled_knowledge


def test_the_bank_report_says_what_follows_from_its_answers() -> None:
    summary = build_summary(BANK, index_for(bundled_knowledge()), NOW)
    pages, text = pdf_text(render_report(summary))
    assert pages == 1
    assert "Risk posture, Regulated industry: pulls toward Dedicated AI leadership" in text
    assert "keep a named, senior owner for model risk" in text
    assert "Make bias and explainability testing a condition of launch" in text
    assert "(from your answers on Regulated industry and Risk posture)" in text
    assert "Stage 1 of 4: Exploring" in text
    assert "What holds it back most: Risk posture." in text


def test_a_result_that_kept_its_model_says_so_instead_of_an_arrow() -> None:
    # Few answers, so the page has room for the progress (the first part a full page gives up).
    summary = build_summary({"mandate": "platform"}, index_for(bundled_knowledge()), NOW)
    name = summary.recommended.name
    kept = ProgressView(date(2026, 10, 1), name, False, (), ())
    _, text = pdf_text(render_report(replace(summary, progress=kept)))
    assert f"Still {name}, as on 2026-10-01." in text
    assert f"{name} → {name}" not in text
