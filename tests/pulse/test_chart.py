"""The results chart: a small PNG, never drawn for hidden results."""

from __future__ import annotations

import dataclasses
import io

from PIL import Image

from bot.engine.pulse import pulse_results
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.chart import WIDTH, results_chart_png

KNOWLEDGE = load_knowledge(default_knowledge_dir())
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
