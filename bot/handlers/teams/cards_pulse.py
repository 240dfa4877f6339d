"""Adaptive Cards of the team pulse survey: the private questions card (a Teams form), and the
survey card, reminder and results of `bot.views.pulse` drawn by `render.py`.

The rules of `cards.py` hold here too (Adaptive Cards 1.5, wrapping TextBlocks, every dynamic
text escaped, every card under MAX_CARD_BYTES). Nothing here names a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.handlers.teams.cards import (
    MAX_CARD_BYTES,
    MAX_NAME,
    MAX_TEXT,
    TeamsMessage,
    action_set,
    adaptive_card,
    card_bytes,
    escape,
    markup,
    plain,
    submit,
    text_block,
)
from bot.handlers.teams.render import draw, markdown_of
from bot.handlers.teams.submit import pulse_data, pulse_input_id
from bot.knowledge.model import Question
from bot.pulse.shown import survey_view
from bot.views import catalogue
from bot.views import pulse as views
from bot.views.document import moment, say
from bot.views.parts import Surface
from storage.pulse import SurveyRecord

# The questions card cannot drop a question (the form must be whole), so it shortens texts
# instead, step by step, until it fits: (prompt characters, answer characters).
_FORM_STEPS = ((MAX_TEXT, MAX_NAME), (500, 75), (200, 60), (100, 40), (60, 24))


# --- the channel's cards ----------------------------------------------------------------------


def survey_card(survey: SurveyRecord, count: int) -> TeamsMessage:
    """The channel's card: while open, the count and the two buttons; closed, the total only.

    People answer in a private chat, not in inputs on this card: every live-count update
    redraws this card (update_activity replaces it whole) and would wipe whatever anyone was
    filling in at that moment, and answers typed in a channel card are not private anyway."""
    return draw(views.survey_card(survey_view(survey), count, Surface.TEAMS))


def reminder_card(survey: SurveyRecord, count: int) -> TeamsMessage:
    return draw(views.reminder(survey_view(survey), count))


def results_card(
    survey: SurveyRecord,
    results: PulseResults,
    chart: bytes | None = None,
    trend: Trend | None = None,
    trend_png: bytes | None = None,
) -> TeamsMessage:
    """The results, with `chart` (a PNG) when the card still fits with it; a round of a series
    with its trend (and `trend_png`, its chart, when it fits)."""
    return draw(
        views.results(survey_view(survey), results, chart, trend=trend, trend_png=trend_png)
    )


# --- the private questions card ----------------------------------------------------------------


def questions_card(
    survey: SurveyRecord,
    questions: Sequence[Question],
    previous: Mapping[str, str] | None,
) -> TeamsMessage:
    """The form in the person's private chat: one expanded choice per question, filled in
    with their earlier answers, and "Send my answers" carrying the survey id."""
    for prompt_limit, label_limit in _FORM_STEPS:
        card = adaptive_card(_form(survey, questions, previous, prompt_limit, label_limit))
        if card_bytes(card) <= MAX_CARD_BYTES:
            fallback = catalogue.pulse_about(len(questions), None)
            return TeamsMessage(plain(fallback, 1000), card)
    raise ValueError("the pulse questions do not fit in one Teams card")


def _form(
    survey: SurveyRecord,
    questions: Sequence[Question],
    previous: Mapping[str, str] | None,
    prompt_limit: int,
    label_limit: int,
) -> list[dict[str, Any]]:
    body = [
        text_block(escape(catalogue.PULSE_FORM_TITLE), bold=True, size="medium", is_heading=True),
        text_block(
            markdown_of(
                say(
                    f"{catalogue.ANONYMOUS} {catalogue.only_totals(survey.threshold)} ",
                    catalogue.CHANGE_UNTIL,
                    moment(survey.deadline),
                    ".",
                )
            )
        ),
    ]
    if previous:
        body.append(text_block(escape(catalogue.EARLIER_ANSWERS_FILLED), color="accent"))
    for number, question in enumerate(questions, 1):
        body.append(
            text_block(
                f"{number}. {markup(question.prompt, prompt_limit)}", bold=True, spacing="medium"
            )
        )
        body.append(_choices(question, (previous or {}).get(question.id), label_limit))
    send = submit(catalogue.SEND_ANSWERS, pulse_data("pulse_send", survey.id), style="positive")
    body.append(action_set([send], spacing="medium"))
    return body


def _choices(question: Question, chosen: str | None, label_limit: int) -> dict[str, Any]:
    choice_set: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": pulse_input_id(question.id),
        "style": "expanded",
        "isRequired": True,
        "errorMessage": catalogue.CHOOSE_ONE,
        "wrap": True,
        "choices": [
            {"title": plain(option.label, label_limit), "value": option.id}
            for option in question.options
        ],
    }
    if chosen is not None and question.option(chosen) is not None:
        choice_set["value"] = chosen
    return choice_set
