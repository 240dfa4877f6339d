"""The report renders a real summary of the bundled knowledge as one page that reads back."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from bot.engine.index import index_for
from bot.engine.summary import build_summary
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.report import render_report, report_filename


def test_a_real_summary_is_one_page_with_its_recommendation() -> None:
    knowledge = load_knowledge(default_knowledge_dir())
    answers: dict[str, str | None] = {q.id: q.options[0].id for q in knowledge.questions}
    summary = build_summary(answers, index_for(knowledge), datetime(2026, 12, 7, tzinfo=UTC))
    reader = PdfReader(io.BytesIO(render_report(summary)))
    assert len(reader.pages) == 1
    assert summary.recommended.name in reader.pages[0].extract_text()
    assert report_filename(summary) == "ai-ownership-advisor-2026-12-07.pdf"
