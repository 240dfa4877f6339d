"""The results chart of a pulse survey as a small PNG: one group of horizontal bars per
question, one bar per option, with its count and share.

Drawn with Pillow and its built-in font, so no font files or system packages are needed. The
image is kept small on purpose: Teams carries it inside the results card as a data URI, and
cards have a size limit, so it is a 16-colour palette image of modest width.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from bot.engine.pulse import PulseResults, QuestionResult

WIDTH = 640
MARGIN = 12
LABEL_WIDTH = 230  # the option labels' column
BAR_MAX = WIDTH - 2 * MARGIN - LABEL_WIDTH - 90  # room for "999 (100%)" after the bar
ROW = 20
HEADING = 24
GAP = 10
FONT_SIZE = 13
COLOURS = 4  # measured: 4 keeps the bundled pulse's chart near 12 KB, 16 near 20 KB

BACKGROUND = (255, 255, 255)
TEXT = (36, 41, 47)
MUTED = (101, 109, 118)
BAR = (70, 110, 200)
TOP_BAR = (31, 136, 61)


def results_chart_png(results: PulseResults) -> bytes | None:
    """The chart, or None when there is nothing to draw (hidden results, nobody answered)."""
    questions = [q for q in results.questions if q.answered > 0]
    if not results.visible or not questions:
        return None
    height = MARGIN * 2 + HEADING + sum(_group_height(q) for q in questions)
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=FONT_SIZE)
    bold = ImageFont.load_default(size=FONT_SIZE + 1)
    title = f"Team pulse: {results.respondents} answered"
    draw.text((MARGIN, MARGIN), title, fill=TEXT, font=bold)
    y = MARGIN + HEADING
    for question in questions:
        y = _draw_group(draw, question, y, font, bold)
    return _png(image)


def _group_height(question: QuestionResult) -> int:
    return HEADING + ROW * len(question.options) + GAP


def _draw_group(
    draw: ImageDraw.ImageDraw,
    question: QuestionResult,
    y: int,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
    bold: ImageFont.ImageFont | ImageFont.FreeTypeFont,
) -> int:
    prompt = _fit(draw, question.question.prompt, WIDTH - 2 * MARGIN, bold)
    draw.text((MARGIN, y + 4), prompt, fill=TEXT, font=bold)
    y += HEADING
    top = question.top.option.id if question.top else None
    for row in question.options:
        label = _fit(draw, row.option.label, LABEL_WIDTH - 8, font)
        draw.text((MARGIN, y + 3), label, fill=MUTED, font=font)
        left = MARGIN + LABEL_WIDTH
        length = round(BAR_MAX * row.share)
        if length > 0:
            colour = TOP_BAR if row.option.id == top else BAR
            draw.rectangle((left, y + 4, left + length, y + ROW - 4), fill=colour)
        figure = f"{row.count} ({row.share:.0%})"
        draw.text((left + length + 6, y + 3), figure, fill=TEXT, font=font)
        y += ROW
    return y + GAP


def _fit(
    draw: ImageDraw.ImageDraw,
    text: str,
    width: int,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
) -> str:
    """`text` on one line (knowledge texts may hold line breaks, which Pillow cannot measure),
    cut at a word boundary with "…" so that it fits `width` pixels."""
    words = text.split()
    text = " ".join(words)
    if draw.textlength(text, font=font) <= width:
        return text
    while words and draw.textlength(" ".join(words) + "…", font=font) > width:
        words.pop()
    return (" ".join(words) or text[:10]) + "…"


def _png(image: Image.Image) -> bytes:
    palette = image.quantize(colors=COLOURS)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
