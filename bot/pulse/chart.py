"""The results chart of a pulse survey as a small PNG: one group of horizontal bars per
question, one bar per option under its label, with its count and share; the most chosen
option of each question in green.

Drawn with Pillow and its built-in font, so no font files or system packages are needed. Teams
stretches the image to the card's width (about 450 pixels), so the chart is drawn at about that
width with a font that stays readable there (15 px drawn, about 13.5 px shown), and every label
is drawn whole, wrapped onto as many lines as it needs rather than cut. It stays small on
purpose: Teams carries it inside the results card as a data URI, and cards have a size limit,
so it is a 4-colour palette image drawn without anti-aliasing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from bot.engine.pulse import PulseResults, QuestionResult

WIDTH = 500
# The width Teams shows the chart at, inside a card in a conversation: what FONT_SIZE is
# chosen for (the text shown is FONT_SIZE * CARD_WIDTH / WIDTH pixels high).
CARD_WIDTH = 450
MARGIN = 10
BAR_MAX = WIDTH - 2 * MARGIN - 100  # room for "9999 (100%)" after the longest bar
LINE = 18  # one line of text
BAR = 11  # a bar's thickness
GAP = 10
FONT_SIZE = 15
FONT_MODE = "1"  # no anti-aliasing: see COLOURS
# Drawn without anti-aliasing, the chart has exactly four colours (the background, the text
# and two bar colours), so a 2-bit palette holds it losslessly: about 11 KB for the bundled
# pulse at 10,000 answers, where grey edges took 18 KB.
COLOURS = 4

BACKGROUND = (255, 255, 255)
TEXT = (36, 41, 47)
BAR_COLOUR = (70, 110, 200)
TOP_BAR = (31, 136, 61)

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def results_chart_png(results: PulseResults) -> bytes | None:
    """The chart, or None when there is nothing to draw (hidden results, nobody answered)."""
    questions = [q for q in results.questions if q.answered > 0]
    if not results.visible or not questions:
        return None
    font = ImageFont.load_default(size=FONT_SIZE)
    bold = ImageFont.load_default(size=FONT_SIZE + 1)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    groups = [_layout(measure, question, font, bold) for question in questions]
    height = MARGIN * 2 + LINE + GAP + sum(group.height for group in groups)
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.fontmode = FONT_MODE
    draw.text((MARGIN, MARGIN), f"Team pulse: {results.respondents} answered", fill=TEXT, font=bold)
    y = MARGIN + LINE + GAP
    for group in groups:
        y = _draw_group(draw, group, y, font, bold)
    return _png(image)


@dataclass(frozen=True)
class _Group:
    """One question laid out: its prompt's lines, and each option's label lines (above its
    bar, across the whole width)."""

    question: QuestionResult
    prompt: list[str]
    labels: list[list[str]]

    @property
    def height(self) -> int:
        rows = sum(len(lines) * LINE + BAR + 5 for lines in self.labels)
        return len(self.prompt) * LINE + 4 + rows + GAP


def _layout(draw: ImageDraw.ImageDraw, question: QuestionResult, font: Font, bold: Font) -> _Group:
    width = WIDTH - 2 * MARGIN
    prompt = wrapped(draw, question.question.prompt, width, bold)
    labels = [wrapped(draw, row.option.label, width, font) for row in question.options]
    return _Group(question, prompt, labels)


def _draw_group(draw: ImageDraw.ImageDraw, group: _Group, y: int, font: Font, bold: Font) -> int:
    for line in group.prompt:
        draw.text((MARGIN, y), line, fill=TEXT, font=bold)
        y += LINE
    y += 4
    question = group.question
    top = question.top.option.id if question.top else None
    for row, lines in zip(question.options, group.labels, strict=True):
        for line in lines:
            draw.text((MARGIN, y), line, fill=TEXT, font=font)
            y += LINE
        length = max(round(BAR_MAX * row.share), 1 if row.count else 0)
        if length > 0:
            colour = TOP_BAR if row.option.id == top else BAR_COLOUR
            draw.rectangle((MARGIN, y, MARGIN + length, y + BAR), fill=colour)
        figure = f"{row.count} ({row.share:.0%})"
        draw.text((MARGIN + length + 6, y + BAR // 2), figure, fill=TEXT, font=font, anchor="lm")
        y += BAR + 5
    return y + GAP


def wrapped(draw: ImageDraw.ImageDraw, text: str, width: int, font: Font) -> list[str]:
    """`text` whole, in lines that fit `width` pixels, broken between words (a word wider
    than the line on its own is broken where it must). Knowledge texts may hold line breaks,
    which Pillow cannot measure: they count as spaces."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while draw.textlength(word, font=font) > width:
            cut = _longest_fitting(draw, word, width, font)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


def _longest_fitting(draw: ImageDraw.ImageDraw, word: str, width: int, font: Font) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(word[:middle], font=font) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _png(image: Image.Image) -> bytes:
    palette = image.quantize(colors=COLOURS)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
