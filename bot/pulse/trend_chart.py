"""The trend chart of a recurring pulse as a small PNG: one panel per model (small multiples,
all on one scale), its share of the team's answers drawn as a line over the rounds, with the
rounds on the x axis by number. A round below its threshold is a hatched column with no point
and no number: the line breaks there rather than jump across it.

Small multiples rather than four lines in one plot: lines in one plot need a colour each, and
the chart keeps to the four colours of the results chart (background, text, the line, grey),
so it stays a 2-bit palette image, drawn without anti-aliasing, a few KB even at 24 rounds.
The sizes and the font are the results chart's, for the same reason: Teams fits the image to
its card, about 450 pixels wide.
"""

from __future__ import annotations

import io
import math
from itertools import pairwise

from PIL import Image, ImageDraw, ImageFont

from bot.engine.pulse_trend import RoundPoint, Trend
from bot.knowledge.model import OwnershipModel
from bot.pulse.chart import (
    BACKGROUND,
    BAR_COLOUR,
    FONT_MODE,
    FONT_SIZE,
    GAP,
    LINE,
    MARGIN,
    TEXT,
    WIDTH,
    Font,
    wrapped,
)
from bot.views import catalogue

GREY = (175, 184, 193)
# Palette indices: the image is drawn in these four colours and nothing else.
PAPER, INK, STROKE, SHADE = range(4)
PALETTE = (BACKGROUND, TEXT, BAR_COLOUR, GREY)
AXIS = 44  # room left of the plots for "100%"
PLOT_LEFT = MARGIN + AXIS
PLOT_RIGHT = WIDTH - MARGIN
PLOT_HEIGHT = 64
HATCH_WIDTH = 28  # a hatched column at most this wide, however few the rounds
HATCH_STEP = 5
POINT = 2  # a round's point is a square this many pixels either side of it
STROKE_WIDTH = 2


def trend_chart(trend: Trend) -> bytes:
    """The chart of every round of the trend, met or not (one round draws one point)."""
    font = ImageFont.load_default(size=FONT_SIZE)
    bold = ImageFont.load_default(size=FONT_SIZE + 1)
    measure = ImageDraw.Draw(Image.new("P", (1, 1)))
    headings = [
        wrapped(measure, _heading(trend, model), WIDTH - 2 * MARGIN, bold) for model in trend.models
    ]
    top = _scale_top(trend)
    height = MARGIN * 2 + 3 * LINE + GAP + sum(_panel_height(lines) for lines in headings)
    image = Image.new("P", (WIDTH, height), PAPER)
    image.putpalette([channel for colour in PALETTE for channel in colour])
    draw = ImageDraw.Draw(image)
    draw.fontmode = FONT_MODE
    y = _draw_header(image, draw, trend, font, bold)
    for model, lines in zip(trend.models, headings, strict=True):
        y = _draw_panel(image, draw, trend.points, model, lines, top, y, font, bold)
    return _png(image)


def round_x(index: int, count: int) -> int:
    """Where the round at `index` (of `count`, oldest first) is drawn across the width."""
    step = (PLOT_RIGHT - PLOT_LEFT) / count
    return round(PLOT_LEFT + step * (index + 0.5))


def _heading(trend: Trend, model: OwnershipModel) -> str:
    latest = next((p for p in reversed(trend.points) if p.share(model.id) is not None), None)
    share = latest.share(model.id) if latest else None
    if latest is None or share is None:
        return model.name
    return catalogue.trend_panel_heading(model.name, round(100 * share), latest.number)


def _scale_top(trend: Trend) -> float:
    """The top of every panel's scale: the largest share drawn, rounded up to a tenth."""
    largest = max((share for point in trend.points for _, share in point.shares), default=0.0)
    return min(max(math.ceil(largest * 10 - 1e-9) / 10, 0.1), 1.0)


def _panel_height(heading: list[str]) -> int:
    return len(heading) * LINE + 4 + PLOT_HEIGHT + 4 + LINE + GAP


def _draw_header(
    image: Image.Image, draw: ImageDraw.ImageDraw, trend: Trend, font: Font, bold: Font
) -> int:
    rounds = len(trend.points)
    title = catalogue.trend_chart_title(rounds)
    draw.text((MARGIN, MARGIN), title, fill=INK, font=bold)
    y = MARGIN + LINE
    draw.text((MARGIN, y), catalogue.TREND_CHART_ABOUT, fill=INK, font=font)
    y += LINE + 4
    middle = y + LINE // 2
    draw.line((MARGIN, middle, MARGIN + 20, middle), fill=STROKE, width=STROKE_WIDTH)
    _point(draw, MARGIN + 10, middle)
    draw.text((MARGIN + 26, y), catalogue.TREND_CHART_POINT, fill=INK, font=font)
    x = MARGIN + 26 + round(draw.textlength(catalogue.TREND_CHART_POINT, font=font)) + 16
    image.paste(_hatch(14, 14), (x, middle - 7))
    draw.text((x + 20, y), catalogue.TREND_CHART_HIDDEN, fill=INK, font=font)
    return y + LINE + GAP


def _draw_panel(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    points: tuple[RoundPoint, ...],
    model: OwnershipModel,
    heading: list[str],
    top: float,
    y: int,
    font: Font,
    bold: Font,
) -> int:
    for line in heading:
        draw.text((MARGIN, y), line, fill=INK, font=bold)
        y += LINE
    plot_top, plot_bottom = y + 4, y + 4 + PLOT_HEIGHT
    _draw_grid(draw, plot_top, plot_bottom, top, font)
    count = len(points)
    column = _hatch(_column_width(count), PLOT_HEIGHT + 1)
    for index, point in enumerate(points):
        if not point.met:
            image.paste(column, (round_x(index, count) - column.width // 2, plot_top))
    _draw_line(draw, points, model, plot_top, plot_bottom, top)
    _draw_rounds(draw, points, plot_bottom + 4, font)
    return plot_bottom + 4 + LINE + GAP


def _draw_grid(
    draw: ImageDraw.ImageDraw, plot_top: int, plot_bottom: int, top: float, font: Font
) -> None:
    # The labels hang inside the plot's height, clear of the heading and the round numbers.
    for y, label, anchor in ((plot_top, f"{top:.0%}", "rt"), (plot_bottom, "0%", "rb")):
        draw.line((PLOT_LEFT, y, PLOT_RIGHT, y), fill=SHADE)
        draw.text((PLOT_LEFT - 6, y), label, fill=INK, font=font, anchor=anchor)


def _draw_line(
    draw: ImageDraw.ImageDraw,
    points: tuple[RoundPoint, ...],
    model: OwnershipModel,
    plot_top: int,
    plot_bottom: int,
    top: float,
) -> None:
    """Segments join consecutive rounds that both have a share; any other round breaks it."""
    count = len(points)
    placed: list[tuple[int, int] | None] = []
    for index, point in enumerate(points):
        share = point.share(model.id)
        if share is None:
            placed.append(None)
            continue
        height = round((plot_bottom - plot_top) * min(share / top, 1.0))
        placed.append((round_x(index, count), plot_bottom - height))
    for before, after in pairwise(placed):
        if before and after:
            draw.line((*before, *after), fill=STROKE, width=STROKE_WIDTH)
    for place in placed:
        if place:
            _point(draw, *place)


def _draw_rounds(
    draw: ImageDraw.ImageDraw, points: tuple[RoundPoint, ...], y: int, font: Font
) -> None:
    """The round numbers under a plot: every one that fits, always the newest."""
    count = len(points)
    labels = [str(point.number) for point in points]
    widest = max(draw.textlength(label, font=font) for label in labels) + 6
    stride = max(1, math.ceil(widest / ((PLOT_RIGHT - PLOT_LEFT) / count)))
    draw.text((MARGIN, y), "round", fill=INK, font=font)
    for index, label in enumerate(labels):
        if (count - 1 - index) % stride == 0:
            draw.text((round_x(index, count), y), label, fill=INK, font=font, anchor="ma")


def _column_width(count: int) -> int:
    return max(min(HATCH_WIDTH, (PLOT_RIGHT - PLOT_LEFT) // count - 2), 3)


def _hatch(width: int, height: int) -> Image.Image:
    """A tile of grey diagonal lines, the mark of a round with too few answers."""
    tile = Image.new("P", (width, height), PAPER)
    draw = ImageDraw.Draw(tile)
    for start in range(-height, width, HATCH_STEP):
        draw.line((start, height - 1, start + height - 1, 0), fill=SHADE)
    return tile


def _point(draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
    draw.rectangle((x - POINT, y - POINT, x + POINT, y + POINT), fill=STROKE)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
