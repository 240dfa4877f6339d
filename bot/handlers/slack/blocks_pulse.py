"""Block Kit of team pulse surveys: the launch and answer modals (Slack's own surfaces), and the
survey card, reminder and results of `bot.views.pulse` drawn by `render.py`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.handlers.slack import ids
from bot.handlers.slack.blocks import (
    MAX_INPUT_LABEL,
    MAX_VIEW_BLOCKS,
    SlackMessage,
    context,
    escape,
    modal,
    plain,
    section,
    shrink_texts,
)
from bot.handlers.slack.render import draw
from bot.knowledge.model import Question
from bot.pulse.service import DEFAULT_DURATION, DEFAULT_THRESHOLD, MAX_THRESHOLD, MIN_THRESHOLD
from bot.pulse.shown import survey_view
from bot.views import catalogue
from bot.views import pulse as views
from bot.views.parts import Surface
from storage.pulse import SurveyRecord
from storage.series import Cadence

RESULTS_TITLE = catalogue.PULSE_RESULTS_TITLE
MAX_OPTION_TEXT = 75  # radio buttons and checkboxes
# Channel ids as Slack sends them; anything else is not linked (it could be forged markup).
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,30}")

# --- text helpers ---------------------------------------------------------------------------


def channel_link(channel: str) -> str:
    return f"<#{channel}>" if _CHANNEL_ID.fullmatch(channel) else escape(catalogue.THIS_CHANNEL)


# --- modals ---------------------------------------------------------------------------------


def launch_metadata(channel: str) -> str:
    return json.dumps({"channel": channel}, separators=(",", ":"))


def _choice(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label.capitalize(), MAX_OPTION_TEXT), "value": value}


def launch_modal(channel: str, now: datetime) -> dict[str, Any]:
    """The launcher's choices: deadline, anonymity threshold and a reminder."""
    deadline = {
        "type": "input",
        "block_id": ids.PULSE_DEADLINE_BLOCK,
        "label": plain(catalogue.LAUNCH_DEADLINE, MAX_INPUT_LABEL),
        "hint": plain(catalogue.LAUNCH_DEADLINE_HINT, MAX_INPUT_LABEL),
        "element": {
            "type": "datetimepicker",
            "action_id": ids.PULSE_DEADLINE_ACTION,
            "initial_date_time": int((now + DEFAULT_DURATION).timestamp()),
        },
    }
    threshold = {
        "type": "input",
        "block_id": ids.PULSE_THRESHOLD_BLOCK,
        "optional": True,
        "label": plain(catalogue.LAUNCH_THRESHOLD, MAX_INPUT_LABEL),
        "hint": plain(catalogue.launch_threshold_hint(MIN_THRESHOLD), MAX_INPUT_LABEL),
        "element": {
            "type": "number_input",
            "action_id": ids.PULSE_THRESHOLD_ACTION,
            "is_decimal_allowed": False,
            "initial_value": str(DEFAULT_THRESHOLD),
            "min_value": str(MIN_THRESHOLD),
            "max_value": str(MAX_THRESHOLD),
        },
    }
    remind = {
        "type": "input",
        "block_id": ids.PULSE_REMIND_BLOCK,
        "optional": True,
        "label": plain(catalogue.LAUNCH_REMIND, MAX_INPUT_LABEL),
        "element": {
            "type": "checkboxes",
            "action_id": ids.PULSE_REMIND_ACTION,
            "options": [
                {
                    "text": plain(catalogue.LAUNCH_REMIND_OPTION, MAX_OPTION_TEXT),
                    "value": ids.PULSE_REMIND_VALUE,
                }
            ],
        },
    }
    once = _choice(catalogue.REPEAT_ONCE, ids.PULSE_REPEAT_ONCE)
    repeat = {
        "type": "input",
        "block_id": ids.PULSE_REPEAT_BLOCK,
        "optional": True,
        "label": plain(catalogue.LAUNCH_REPEAT, MAX_INPUT_LABEL),
        "hint": plain(catalogue.LAUNCH_REPEAT_HINT, MAX_INPUT_LABEL),
        "element": {
            "type": "static_select",
            "action_id": ids.PULSE_REPEAT_ACTION,
            "initial_option": once,
            "options": [
                once,
                _choice(catalogue.CADENCE_WEEKLY, Cadence.WEEKLY.value),
                _choice(catalogue.CADENCE_BIWEEKLY, Cadence.BIWEEKLY.value),
                _choice(catalogue.CADENCE_MONTHLY, Cadence.MONTHLY.value),
            ],
        },
    }
    before, after = catalogue.LAUNCH_ABOUT
    lead = section(f"{escape(before)}{channel_link(channel)}{escape(after)}")
    blocks = [lead, deadline, repeat, threshold, remind]
    metadata = launch_metadata(channel)
    title, launch = catalogue.PULSE_FORM_TITLE, catalogue.LAUNCH
    return modal(ids.PULSE_LAUNCH_VIEW, metadata, title, launch, blocks)


def answer_modal(
    survey_id: str, questions: Sequence[Question], previous: Mapping[str, str] | None
) -> dict[str, Any]:
    """One required radio-button input per question, showing the person's earlier answers."""
    blocks = [context(escape(f"{catalogue.ANONYMOUS} {catalogue.CHANGE_UNTIL_CLOSED}"))]
    if previous:
        blocks.append(context(escape(catalogue.EARLIER_ANSWERS)))
    blocks += [_question_input(q, (previous or {}).get(q.id)) for q in questions]
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise ValueError("the pulse questions do not fit in one Slack modal")
    shrink_texts(blocks)  # the form cannot drop a question: long texts are cut instead
    submit = catalogue.UPDATE if previous else catalogue.SUBMIT
    return modal(ids.PULSE_ANSWER_VIEW, survey_id, catalogue.PULSE_FORM_TITLE, submit, blocks)


def _question_input(question: Question, chosen: str | None) -> dict[str, Any]:
    options = [
        {"text": plain(option.label, MAX_OPTION_TEXT), "value": option.id}
        for option in question.options
    ]
    element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": ids.PULSE_CHOICE_ACTION,
        "options": options,
    }
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        element["initial_option"] = initial
    return {
        "type": "input",
        "block_id": ids.pulse_question_block(question.id),
        "label": plain(question.prompt, MAX_INPUT_LABEL),
        "element": element,
    }


def notice_view(text: str) -> dict[str, Any]:
    """A modal that only says something: thanks, closed, not found."""
    title = catalogue.PULSE_FORM_TITLE
    return modal(ids.PULSE_NOTICE_VIEW, "", title, None, [section(escape(text))])


# --- channel messages ----------------------------------------------------------------------


def survey_card(survey: SurveyRecord, questions: int, count: int) -> SlackMessage:
    """The card in the channel; `questions` is how many of the survey's questions are still
    asked (the knowledge may have dropped some since the launch)."""
    shown = replace(survey_view(survey), questions=questions)
    return draw(views.survey_card(shown, count, Surface.SLACK))


def reminder_message(survey: SurveyRecord, count: int) -> SlackMessage:
    return draw(views.reminder(survey_view(survey), count))


def results_message(
    survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
) -> SlackMessage:
    """The results in the channel; a round of a series with its trend (its chart follows as a
    file)."""
    return draw(views.results(survey_view(survey), results, surface=Surface.SLACK, trend=trend))


def numbers_view(results: PulseResults) -> dict[str, Any]:
    """The "See all numbers" modal: every question's answers, with their counts."""
    blocks = draw(views.numbers(results)).blocks[:MAX_VIEW_BLOCKS]
    return modal(ids.PULSE_NUMBERS_VIEW, "", catalogue.PULSE_NUMBERS_TITLE, None, blocks)
