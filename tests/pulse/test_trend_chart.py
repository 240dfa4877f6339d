"""The trend chart: a small 4-colour PNG, one panel per model, and nothing drawn for a round
below its threshold but its hatched column."""

from __future__ import annotations

import dataclasses
import io
import random
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.engine.pulse_trend import RoundTally, Trend, pulse_trend
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.chart import BAR_COLOUR, WIDTH
from bot.pulse.trend_chart import GREY, PLOT_LEFT, round_x, trend_chart

KNOWLEDGE = load_knowledge(default_knowledge_dir())
QUESTIONS = tuple(question.id for question in KNOWLEDGE.pulse_questions)
THRESHOLD = 5
FIRST_CLOSE = datetime(2026, 1, 2, 17, 0, tzinfo=UTC)
# What a card can carry beside its text (see test_chart.py's CHART_BUDGET), with room to spare.
TREND_BUDGET = 12_000
Pixels = dict[tuple[int, int], tuple[int, int, int]]


def rounds(count: int, unmet: set[int], seed: int = 7) -> list[RoundTally]:
    """`count` rounds of random tallies of 10,000 people; the numbers in `unmet` below the
    threshold (with counts all the same, which must not show)."""
    rng = random.Random(seed)
    tallies = []
    for number in range(1, count + 1):
        counts = {
            question.id: {option.id: rng.randint(0, 5000) for option in question.options}
            for question in KNOWLEDGE.pulse_questions
        }
        respondents = THRESHOLD - 1 if number in unmet else 10_000
        closed = FIRST_CLOSE + timedelta(weeks=number)
        tallies.append(RoundTally(number, closed, respondents, THRESHOLD, counts, QUESTIONS))
    return tallies


def drawn(trend: Trend) -> tuple[bytes, Image.Image]:
    png = trend_chart(trend)
    image = Image.open(io.BytesIO(png))
    image.load()
    return png, image


def colour_columns(image: Image.Image, colour: tuple[int, int, int]) -> set[int]:
    """The x of every pixel of `colour`."""
    rgb = image.convert("RGB")
    return {
        x for x in range(rgb.width) for y in range(rgb.height) if rgb.getpixel((x, y)) == colour
    }


def test_the_chart_is_a_small_png_of_four_colours_at_24_rounds() -> None:
    png, image = drawn(pulse_trend(rounds(24, {3, 4, 10, 24}), KNOWLEDGE))
    assert image.format == "PNG"
    assert image.width == WIDTH
    colours = image.convert("RGB").getcolors()
    assert colours is not None
    assert len(colours) <= 4
    assert len(png) < TREND_BUDGET


def test_a_round_below_threshold_draws_no_point_only_its_hatch() -> None:
    count, hidden = 9, 5
    _, image = drawn(pulse_trend(rounds(count, {hidden}), KNOWLEDGE))
    lines = colour_columns(image, BAR_COLOUR)
    hatch = colour_columns(image, GREY)
    middle = round_x(hidden - 1, count)
    column = set(range(middle - 3, middle + 4))
    assert not lines & column
    assert hatch & column
    for shown in (1, count):  # a met round has its points (and no hatch at its centre)
        assert round_x(shown - 1, count) in lines


def test_the_counts_of_a_round_below_threshold_change_nothing_drawn() -> None:
    tallies = rounds(6, {2, 6})
    other = [dataclasses.replace(t, counts={}) if t.number in {2, 6} else t for t in tallies]
    assert trend_chart(pulse_trend(tallies, KNOWLEDGE)) == trend_chart(
        pulse_trend(other, KNOWLEDGE)
    )


def test_one_round_draws_its_points() -> None:
    png, image = drawn(pulse_trend(rounds(1, set()), KNOWLEDGE))
    assert image.width == WIDTH
    assert round_x(0, 1) in colour_columns(image, BAR_COLOUR)
    assert len(png) < TREND_BUDGET


def test_all_rounds_below_threshold_draw_no_line_at_all() -> None:
    _, image = drawn(pulse_trend(rounds(4, {1, 2, 3, 4}), KNOWLEDGE))
    assert image.width == WIDTH
    # Only the legend's sample line, left of the plots, is in the line's colour.
    assert all(x < PLOT_LEFT for x in colour_columns(image, BAR_COLOUR))
    assert colour_columns(image, GREY)


def test_a_long_model_name_is_wrapped_and_makes_its_panel_taller() -> None:
    model = KNOWLEDGE.models[0].model_copy(update={"name": "A model name " * 5 + "end"})
    knowledge = dataclasses.replace(KNOWLEDGE, models=(model, *KNOWLEDGE.models[1:]))
    tallies = rounds(3, set())
    _, plain = drawn(pulse_trend(tallies, KNOWLEDGE))
    _, longer = drawn(pulse_trend(tallies, knowledge))
    assert longer.width == WIDTH
    assert longer.height > plain.height
