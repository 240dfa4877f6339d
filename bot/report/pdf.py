"""The report drawn with fpdf2: one A4 page, the bundled DejaVu font embedded as a subset, the
scores as vector bars, source URLs as links. The same summary always gives the same bytes: the
document's date is the summary's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from fpdf import FPDF
from fpdf.enums import Align

from bot.engine.replies import Summary
from bot.report.layout import (
    ACCENT,
    BOTTOM,
    FOOTER_HEIGHT,
    LEVELS,
    MARGIN,
    MUTED_BAR,
    PAGE_HEIGHT,
    SMALL,
    SUBTLE,
    TRACK,
    WIDTH,
    Gap,
    Labelled,
    Piece,
    Rule,
    ScoreRow,
    Style,
    Text,
    height,
)
from bot.report.sections import Sections
from bot.report.text import BOLD, REGULAR, clean
from bot.report.wrap import Wrapper
from bot.views import catalogue

FAMILY = "DejaVu"
# A score row: the model's name, then its bar, then its percentage at the right.
NAME_WIDTH, PERCENT_WIDTH, BAR_GAP, BAR_HEIGHT = 52.0, 12.0, 2.0, 3.2
# A link is drawn only for a plain web address (the knowledge allows no other).
_WEB_ADDRESS = re.compile(r"https?://[\x21-\x7e]{1,2000}")


def render_report(summary: Summary) -> bytes:
    """The summary as a one-page A4 PDF."""
    pdf = _document(summary)
    pieces = _fitted(summary, pdf)
    y = MARGIN
    for piece in pieces:
        if y + piece.height > BOTTOM + 0.01:
            break  # never past the footer: the tightest limits fit, this is the guard
        _draw(pdf, piece, y)
        y += piece.height
    _footer(pdf, summary)
    return bytes(pdf.output())


def report_filename(summary: Summary) -> str:
    """The product's name and the result's date: "ai-ownership-advisor-2026-12-07.pdf"."""
    stem = "-".join(catalogue.PRODUCT.lower().split())
    return f"{stem}-{summary.date.isoformat()}.pdf"


def _document(summary: Summary) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0.0
    pdf.add_font(FAMILY, "", REGULAR)
    pdf.add_font(FAMILY, "B", BOLD)
    pdf.set_creation_date(datetime.combine(summary.date, time(0, 0), UTC))
    pdf.set_title(f"{catalogue.PRODUCT}: {catalogue.SUMMARY_TITLE}")
    pdf.set_creator(catalogue.PRODUCT)
    pdf.set_lang("en")
    pdf.add_page()
    return pdf


def _fitted(summary: Summary, pdf: FPDF) -> list[Piece]:
    """The pieces under the most generous limits whose page fits above the footer."""
    measure = Wrapper(pdf, FAMILY)
    cleaned: dict[tuple[str, int], str] = {}
    pieces: list[Piece] = []
    for limits in LEVELS:
        pieces = Sections(summary, limits, measure, cleaned).pieces()
        if MARGIN + height(pieces) <= BOTTOM:
            break
    return pieces


def _font(pdf: FPDF, style: Style) -> None:
    pdf.set_font(FAMILY, "B" if style.bold else "", style.size)
    pdf.set_text_color(*style.colour)


def _draw(pdf: FPDF, piece: Piece, y: float, x: float = MARGIN) -> None:
    match piece:
        case Text():
            _text(pdf, piece, x, y)
        case ScoreRow():
            _score(pdf, piece, x, y)
        case Labelled():
            _text(pdf, piece.label, x, y)
            for part in piece.body:
                _text(pdf, part, x + piece.width, y)
                y += part.height
        case Rule():
            pdf.set_draw_color(*ACCENT)
            pdf.set_line_width(0.4)
            middle = y + piece.height / 2
            pdf.line(MARGIN, middle, MARGIN + WIDTH, middle)
        case Gap():
            pass


def _text(pdf: FPDF, text: Text, x: float, y: float) -> None:
    _font(pdf, text.style)
    left = x + text.indent
    width = WIDTH - (left - MARGIN)
    link = text.link if text.link and _WEB_ADDRESS.fullmatch(text.link) else ""
    if text.rule:
        pdf.set_fill_color(*MUTED_BAR)
        pdf.rect(x, y + 0.5, 0.8, text.height - 1.0, style="F")
    if text.bullet:
        pdf.set_xy(x, y)
        pdf.cell(text.indent, text.style.leading, text.bullet, align=Align.L)
    for n, line in enumerate(text.lines):
        pdf.set_xy(left, y + n * text.style.leading)
        pdf.cell(width, text.style.leading, line, align=Align.L, link=link)
    if text.right:
        pdf.set_xy(left, y)
        pdf.cell(width, text.style.leading, text.right, align=Align.R)


def _score(pdf: FPDF, row: ScoreRow, x: float, y: float) -> None:
    style = Style(8.5, row.height, bold=row.leading)
    name = Wrapper(pdf, FAMILY).lines(row.name, style, NAME_WIDTH - 1.0, 1)
    _font(pdf, style)
    pdf.set_xy(x, y)
    pdf.cell(NAME_WIDTH, row.height, name[0] if name else "", align=Align.L)
    left = x + NAME_WIDTH + BAR_GAP
    length = WIDTH - NAME_WIDTH - PERCENT_WIDTH - 2 * BAR_GAP
    top = y + (row.height - BAR_HEIGHT) / 2
    pdf.set_fill_color(*TRACK)
    pdf.rect(left, top, length, BAR_HEIGHT, style="F")
    if row.share > 0:
        pdf.set_fill_color(*(ACCENT if row.leading else MUTED_BAR))
        pdf.rect(left, top, max(length * row.share, 0.3), BAR_HEIGHT, style="F")
    pdf.set_xy(left + length + BAR_GAP, y)
    pdf.cell(PERCENT_WIDTH, row.height, row.percent, align=Align.R)


def _footer(pdf: FPDF, summary: Summary) -> None:
    top = PAGE_HEIGHT - MARGIN - FOOTER_HEIGHT
    pdf.set_draw_color(*TRACK)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, top, MARGIN + WIDTH, top)
    line = catalogue.report_footer(
        summary.date.isoformat(),
        summary.answered,
        summary.skipped,
        clean(summary.knowledge_version, 80),
    )
    measure = Wrapper(pdf, FAMILY)
    for n, text in enumerate((line, catalogue.ONLY_YOUR_RESULT)):
        shown = measure.lines(text, SMALL, WIDTH, 1)
        _font(pdf, Style(SMALL.size, SMALL.leading, colour=SUBTLE))
        pdf.set_xy(MARGIN, top + 1.5 + n * SMALL.leading)
        pdf.cell(WIDTH, SMALL.leading, shown[0] if shown else "", align=Align.L)
