"""The results chart: a small PNG, never drawn for hidden results."""

from __future__ import annotations

import dataclasses
import io

from PIL import Image, ImageDraw, ImageFont

from bot.engine.pulse import pulse_results
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.chart import CARD_WIDTH, FONT_SIZE, WIDTH, results_chart_png, wrapped

KNOWLEDGE = load_knowledge(default_knowledge_dir())
LINE_WIDTH = 200  # narrow, so that a label must wrap
QUESTIONS = [question.id for question in KNOWLEDGE.pulse_questions]
# A card carries the chart base64-encoded (4/3 of its size) beside about 6 KB of text, under a
# 25,000-byte budget.
CHART_BUDGET = 13_500


def counts(each: int) -> dict[str, dict[str, int]]:
    return {
        question.id: {option.id: each * (i + 1) for i, option in enumerate(question.options)}
        for question in KNOWLEDGE.pulse_questions
    }


def test_visible_results_draw_a_png_of_every_question() -> None:
    results = pulse_results(10_000, counts(1000), QUESTIONS, KNOWLEDGE, 5)
    png = results_chart_png(results)
    assert png is not None
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == WIDTH
    assert image.height > 100 * len(QUESTIONS)
    assert len(png) < CHART_BUDGET


def test_hidden_results_draw_nothing() -> None:
    assert results_chart_png(pulse_results(4, counts(1), QUESTIONS, KNOWLEDGE, 5)) is None


def test_nobody_answered_draws_nothing() -> None:
    assert results_chart_png(pulse_results(0, {}, QUESTIONS, KNOWLEDGE, 1)) is None


def test_line_breaks_in_knowledge_texts_are_drawn_on_one_line() -> None:
    first = KNOWLEDGE.pulse_questions[0]
    option = first.options[0].model_copy(update={"label": "Two\nlines"})
    question = first.model_copy(
        update={"prompt": "A prompt\nwith a break", "options": (option, *first.options[1:])}
    )
    knowledge = dataclasses.replace(
        KNOWLEDGE, questions=tuple(question if q.id == first.id else q for q in KNOWLEDGE.questions)
    )
    results = pulse_results(10, counts(3), QUESTIONS, knowledge, 5)
    assert results_chart_png(results) is not None


def test_the_text_stays_readable_once_teams_fits_the_chart_to_the_card() -> None:
    assert FONT_SIZE * CARD_WIDTH / WIDTH >= 13


def test_labels_are_wrapped_whole_never_cut() -> None:
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    font = ImageFont.load_default(size=FONT_SIZE)
    label = "Business owners paired with IT builders, plus an outside partner for the models"
    lines = wrapped(draw, label, LINE_WIDTH, font)
    assert len(lines) > 1
    assert " ".join(lines) == label
    assert all(draw.textlength(line, font=font) <= LINE_WIDTH for line in lines)
    long_word = "x" * 300
    pieces = wrapped(draw, long_word, LINE_WIDTH, font)
    assert "".join(pieces) == long_word
    assert all(draw.textlength(piece, font=font) <= LINE_WIDTH for piece in pieces)
    assert wrapped(draw, "", LINE_WIDTH, font) == [""]


def test_a_long_label_makes_its_row_taller_not_shorter() -> None:
    first = KNOWLEDGE.pulse_questions[0]
    long_label = "a label " * 25 + "end"  # longer than a line of the chart
    option = first.options[0].model_copy(update={"label": long_label.strip()})
    question = first.model_copy(update={"options": (option, *first.options[1:])})
    knowledge = dataclasses.replace(
        KNOWLEDGE, questions=tuple(question if q.id == first.id else q for q in KNOWLEDGE.questions)
    )
    plain = results_chart_png(pulse_results(10, counts(3), QUESTIONS, KNOWLEDGE, 5))
    longer = results_chart_png(pulse_results(10, counts(3), QUESTIONS, knowledge, 5))
    assert plain is not None
    assert longer is not None
    assert Image.open(io.BytesIO(longer)).height > Image.open(io.BytesIO(plain)).height
