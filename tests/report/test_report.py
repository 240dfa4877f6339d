"""The PDF report, read back as a person would: its text (pypdf) and its page drawn as a picture
(pypdfium2). Real PDFs of real and made-up summaries; nothing is mocked."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

import bot.report
from bot.engine.replies import Summary
from bot.knowledge import Knowledge
from bot.report import render_report, report_filename
from bot.views import catalogue
from tests.report.reading import inked, picture
from tests.report.summaries import (
    HOSTILE_PARTS,
    LONG_WORD,
    bundled_knowledge,
    bundled_summary,
    full_summary,
    hostile_summary,
    maximal_summary,
)
from tests.views.sentences import sentences_in

# A4 at 72 dpi (595.3 x 841.9 points, rounded up), and the report's margin (15 mm) in pixels.
PAGE_PIXELS = (596, 842)
MARGIN_PIXELS = round(15 / 25.4 * 72)
# How far above the page's bottom the footer's text starts (mm, as drawn in bot.report.pdf).
FOOTER_TOP_PIXELS = round((15 + 9) / 25.4 * 72)
MAX_BYTES = 200_000


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return bundled_knowledge()


@pytest.fixture(scope="module")
def real(knowledge: Knowledge) -> Summary:
    return bundled_summary(knowledge)


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def words(text: str) -> str:
    """Text with every run of whitespace as one space: lines wrapped in the PDF read whole."""
    return " ".join(text.split())


def text_of(pdf: bytes) -> str:
    return words(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())


# --- what it says ---------------------------------------------------------------------------


def test_a_real_summary_says_everything_it_has(real: Summary) -> None:
    pdf = render_report(real)
    assert pages(pdf) == 1
    said = text_of(pdf)
    assert words(catalogue.recommended(real.recommended.name)) in said
    assert words(real.clarity_text) in said
    for score in real.scores:
        assert f"{score.model.name} {round(score.score * 100)}%" in said
    assert real.reasons
    for reason in real.reasons:
        assert words(reason.snippet.text) in said
        if reason.answer is not None:
            assert f"“{words(reason.answer)}” ({words(reason.dimension or '')})" in said
    assert real.other_view is not None
    assert real.other_view_for is not None
    assert words(real.other_view.text) in said
    assert catalogue.other_view_heading(real.other_view_for.name) in said
    for step in real.plan:
        assert words(step.text) in said
        assert catalogue.by_days(step.horizon) in said
    assert real.date.isoformat() in said
    assert real.knowledge_version in said
    assert catalogue.ONLY_YOUR_RESULT in said


def test_every_part_of_a_full_summary_is_there_in_order() -> None:
    summary = full_summary()
    said = text_of(render_report(summary))
    assert summary.stage is not None
    assert summary.constraint is not None
    assert summary.progress is not None
    expected = [
        catalogue.PRODUCT,
        summary.date.isoformat(),
        catalogue.recommended(summary.recommended.name),
        summary.recommended.description,
        summary.clarity_text,
        catalogue.SCORES_HEADING,
        *(f"{score.model.name} {round(score.score * 100)}%" for score in summary.scores),
        catalogue.WHERE_YOU_STAND_HEADING,
        catalogue.stage_of(summary.stage.name, summary.stage.number, summary.stage.of),
        summary.stage.description,
        summary.constraint.dimension,
        f"“{summary.constraint.answer}”",
        summary.constraint.pulls_toward.name,
        summary.constraint.unblock or "",
        catalogue.YOUR_REASONS_HEADING,
    ]
    for reason in summary.reasons:
        source = reason.snippet.source
        assert source.published is not None
        expected += [
            f"Because you said “{reason.answer}” ({reason.dimension})",
            reason.snippet.text,
            f"{source.title}, {source.author}, {source.publisher}, {source.published}",
            source.url or "",
        ]
    assert summary.other_view is not None
    assert summary.other_view_for is not None
    expected += [
        catalogue.other_view_heading(summary.other_view_for.name),
        summary.other_view.text,
        catalogue.TENSIONS_HEADING,
    ]
    for tension in summary.tensions:
        expected += [", ".join(tension.dimensions), tension.toward.name, tension.advice]
    expected.append(catalogue.YOUR_PLAN_HEADING)
    for horizon in (30, 60, 90):
        expected.append(catalogue.HORIZONS[horizon])
        expected += [step.text for step in summary.plan if step.horizon == horizon]
    expected += [
        catalogue.progress_since("2026-10-01", summary.progress.previous_model, "Model 1"),
        "Model 1 25% → 40%",
        catalogue.report_footer("2026-12-07", 11, 1, summary.knowledge_version),
        catalogue.ONLY_YOUR_RESULT,
    ]
    at = 0
    for part in expected:
        found = said.find(part, at)
        assert found >= 0, f"{part!r} missing (or out of order) in {said[at : at + 300]!r}"
        at = found + len(part)


def test_no_other_persons_data_and_no_history() -> None:
    """The report is one person's result: the past results of the history are not listed
    (progress names only the previous one), nor the answers dimension by dimension."""
    summary = full_summary()
    said = text_of(render_report(summary))
    assert "Past model" not in said
    assert "Leaning answer" not in said


def test_the_filename_is_the_products_with_the_date(real: Summary) -> None:
    assert report_filename(real) == "ai-ownership-advisor-2026-12-07.pdf"
    assert report_filename(replace(real, date=date(2027, 1, 31))) == (
        "ai-ownership-advisor-2027-01-31.pdf"
    )


def test_a_source_url_is_a_link() -> None:
    summary = full_summary()
    reader = PdfReader(io.BytesIO(render_report(summary)))
    links = {
        annotation.get_object()["/A"]["/URI"]
        for annotation in reader.pages[0].get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Link"
    }
    urls = {reason.snippet.source.url for reason in summary.reasons}
    assert summary.other_view is not None
    assert links == {*urls, summary.other_view.source.url}


def test_a_summary_without_the_optional_parts_still_reads() -> None:
    summary = replace(
        full_summary(url=None),
        tensions=(),
        stage=None,
        constraint=None,
        plan=(),
        progress=None,
        other_view=None,
        other_view_for=None,
        reasons=(),
    )
    said = text_of(render_report(summary))
    assert catalogue.recommended(summary.recommended.name) in said
    for heading in (catalogue.TENSIONS_HEADING, catalogue.YOUR_PLAN_HEADING):
        assert heading not in said


def test_the_report_says_only_the_catalogues_sentences() -> None:
    """Like the adapters and renderers (tests/views/test_said_once.py): every sentence the
    report prints is the catalogue's."""
    package = Path(bot.report.__file__).parent
    found = [str(text) for path in sorted(package.glob("*.py")) for text in sentences_in(path)]
    assert not found, "say these in bot/views/catalogue.py:\n" + "\n".join(found)


# --- always one page ------------------------------------------------------------------------


def test_too_much_for_a_page_is_trimmed_from_the_least_important_parts() -> None:
    summary = maximal_summary()
    pdf = render_report(summary)
    assert pages(pdf) == 1
    said = text_of(pdf)
    # What matters most is still there, cut with an ellipsis where it had to be.
    assert "Recommended: Model 1 lorem" in said
    assert catalogue.SCORES_HEADING in said
    assert "Quote 1 lorem" in said
    assert all(catalogue.HORIZONS[horizon] in said for horizon in (30, 60, 90))
    assert "…" in said
    assert catalogue.ONLY_YOUR_RESULT in said
    # The least important went first: progress, and the reasons after the first.
    assert "Since your result" not in said
    assert "Quote 2 lorem" not in said


@pytest.mark.parametrize("part", [*HOSTILE_PARTS, LONG_WORD, "", " ", "\n\n\n"])
def test_hostile_text_in_every_field_makes_one_page(part: str) -> None:
    pdf = render_report(hostile_summary(part))
    assert pages(pdf) == 1
    assert catalogue.ONLY_YOUR_RESULT in text_of(pdf)


def test_many_of_everything_still_makes_one_page() -> None:
    summary = full_summary(models=40, reasons=40, tensions=40, steps=20)
    horizons = tuple(replace(step, horizon=n) for n, step in enumerate(summary.plan, 1))
    pdf = render_report(replace(summary, plan=horizons))
    assert pages(pdf) == 1
    said = text_of(pdf)
    assert "Model 1 " in said
    assert catalogue.ONLY_YOUR_RESULT in said


def test_text_the_font_cannot_draw_is_replaced_and_the_rest_kept() -> None:
    summary = full_summary(" Café “quoted” — 日本 🎉 end")
    said = text_of(render_report(summary))
    assert "Recommended: Model 1 Café “quoted” — □□ □ end" in said


# --- the page as drawn ----------------------------------------------------------------------


@pytest.mark.parametrize("make", [full_summary, maximal_summary, hostile_summary])
def test_the_page_is_drawn_inside_its_margins(make: object) -> None:
    assert callable(make)
    image = picture(render_report(make()))
    width, height = image.size
    assert (width, height) == PAGE_PIXELS
    assert inked(image, (0, 0, width, height)) > width * height // 50  # not blank
    edge = MARGIN_PIXELS - 4  # anti-aliasing may spill a pixel or two past the margin
    assert inked(image, (0, 0, width, edge)) == 0
    assert inked(image, (0, height - edge, width, height)) == 0
    assert inked(image, (0, 0, edge, height)) == 0
    assert inked(image, (width - edge, 0, width, height)) == 0


def test_a_real_page_has_ink_from_top_to_the_footer(real: Summary) -> None:
    image = picture(render_report(real))
    width, height = image.size
    middle, footer = height // 2, height - FOOTER_TOP_PIXELS
    assert inked(image, (0, 0, width, middle)) > 1000
    assert inked(image, (0, middle, width, footer - 2)) > 1000  # the content reaches below
    assert inked(image, (0, footer, width, height)) > 100  # the footer


# --- bytes ----------------------------------------------------------------------------------


def test_the_same_summary_gives_the_same_bytes_dated_by_the_summary(real: Summary) -> None:
    pdf = render_report(real)
    assert render_report(real) == pdf
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.creation_date is not None
    assert metadata.creation_date.date() == real.date
    later = render_report(replace(real, date=date(2027, 1, 2)))
    assert later != pdf


@pytest.mark.parametrize("make", ["real", "maximal", "hostile"])
def test_a_report_is_small(make: str, real: Summary) -> None:
    summary = {"real": real, "maximal": maximal_summary(), "hostile": hostile_summary()}[make]
    pdf = render_report(summary)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) < MAX_BYTES
