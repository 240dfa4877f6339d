"""Block Kit of team pulse surveys: the launch and answer modals, the survey card with its live
count, the reminder and the results message.

Anonymity shows here as what is never drawn: no message names a respondent, the card shows
only how many answered while the survey is open, and below the threshold the results carry no
distribution at all (the engine leaves nothing to draw; this module does not look either).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.engine.pulse import PulseResults, QuestionResult
from bot.engine.replies import Clarity
from bot.engine.summary import clarity_sentence, points_apart
from bot.handlers.slack import ids
from bot.handlers.slack.blocks import (
    MAX_INPUT_LABEL,
    MAX_VIEW_BLOCKS,
    Chunk,
    SlackMessage,
    actions,
    button,
    context,
    escape,
    fit,
    header,
    line_chunks,
    message,
    modal,
    plain,
    section,
)
from bot.handlers.slack.blocks_summary import score_bar
from bot.knowledge.model import Question
from bot.pulse.service import (
    DEFAULT_DURATION,
    DEFAULT_THRESHOLD,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    hidden_text,
)
from storage.pulse import SurveyRecord, SurveyStatus

TITLE = "Team pulse: who should own AI work?"
RESULTS_TITLE = "Team pulse results"
MODAL_TITLE = "Team pulse"
MAX_OPTION_TEXT = 75  # radio buttons and checkboxes
ANONYMOUS = (
    "Anonymous: nobody, admins included, can see who answered what. You can change your "
    "answers until the survey closes."
)
# Channel ids as Slack sends them; anything else is not linked (it could be forged markup).
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,30}")

# What the results keep longest when Slack's limits force a cut (higher stays longer).
_MODEL_SHARES = 80
_SPLIT = 70
_QUESTIONS = 60
_DROPPED = 20


# --- text helpers ---------------------------------------------------------------------------


def slack_date(when: datetime) -> str:
    """A date every reader sees in their own time zone (Slack's date formatting), with UTC
    as the fallback for clients that cannot format it."""
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def responses(count: int) -> str:
    return f"{count} response" if count == 1 else f"{count} responses"


def channel_link(channel: str) -> str:
    return f"<#{channel}>" if _CHANNEL_ID.fullmatch(channel) else "this channel"


# --- modals ---------------------------------------------------------------------------------


def launch_metadata(channel: str) -> str:
    return json.dumps({"channel": channel}, separators=(",", ":"))


def launch_modal(channel: str, now: datetime) -> dict[str, Any]:
    """The launcher's choices: deadline, anonymity threshold and a reminder."""
    deadline = {
        "type": "input",
        "block_id": ids.PULSE_DEADLINE_BLOCK,
        "label": plain("Closes at", MAX_INPUT_LABEL),
        "hint": plain("At most 90 days from now. Results are posted then.", MAX_INPUT_LABEL),
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
        "label": plain("Anonymity threshold", MAX_INPUT_LABEL),
        "hint": plain(
            f"Results show only if at least this many people answer (at least {MIN_THRESHOLD}).",
            MAX_INPUT_LABEL,
        ),
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
        "label": plain("Reminder", MAX_INPUT_LABEL),
        "element": {
            "type": "checkboxes",
            "action_id": ids.PULSE_REMIND_ACTION,
            "options": [
                {
                    "text": plain("Remind the channel once before it closes", MAX_OPTION_TEXT),
                    "value": ids.PULSE_REMIND_VALUE,
                }
            ],
        },
    }
    lead = section(
        "A short anonymous survey on who should own AI work, for everyone in "
        f"{channel_link(channel)}. Nobody, admins included, can see who answered what, and "
        "the results show only if enough people answer."
    )
    blocks = [lead, deadline, threshold, remind]
    return modal(ids.PULSE_LAUNCH_VIEW, launch_metadata(channel), MODAL_TITLE, "Launch", blocks)


def answer_modal(
    survey_id: str, questions: Sequence[Question], previous: Mapping[str, str] | None
) -> dict[str, Any]:
    """One required radio-button input per question, showing the person's earlier answers."""
    chunks = [Chunk((context(escape(ANONYMOUS)),))]
    if previous:
        chunks.append(Chunk((context("These are your earlier answers: change any and submit."),)))
    chunks += [Chunk((_question_input(q, (previous or {}).get(q.id)),)) for q in questions]
    submit = "Update" if previous else "Submit"
    blocks = fit(chunks, MAX_VIEW_BLOCKS)
    return modal(ids.PULSE_ANSWER_VIEW, survey_id, MODAL_TITLE, submit, blocks)


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
    return modal(ids.PULSE_NOTICE_VIEW, "", MODAL_TITLE, None, [section(escape(text))])


# --- channel messages ----------------------------------------------------------------------


def survey_card(survey: SurveyRecord, questions: int, count: int) -> SlackMessage:
    """The card in the channel: what the survey is, the live count, Answer and Close; once
    closed, only the count of answers."""
    if survey.status is SurveyStatus.CLOSED:
        return _closed_card(survey, count)
    about = section(
        f"{questions} quick questions on who should own AI work here. {escape(ANONYMOUS)} "
        f"Results are shown only if at least *{survey.threshold}* people answer."
    )
    when = f"Closes {slack_date(survey.deadline)}"
    if survey.remind_at is not None:
        when += " · one reminder before then"
    tally = section(f"*{responses(count)}* so far")
    buttons = actions(
        [
            button("Answer", ids.PULSE_ANSWER_ACTION, survey.id, primary=True),
            _close_button(survey.id),
        ]
    )
    chunks = [Chunk((header(TITLE), about, context(when), tally, *buttons))]
    return message(chunks, f"{TITLE} {responses(count)} so far.")


def _closed_card(survey: SurveyRecord, count: int) -> SlackMessage:
    closed = survey.closed_at or survey.deadline
    lines = (
        section(f"This survey is closed: *{count} answered*. The results are posted below."),
        context(f"Closed {slack_date(closed)}"),
    )
    return message([Chunk((header(TITLE), *lines))], f"{TITLE} Closed, {count} answered.")


def _close_button(survey_id: str) -> dict[str, Any]:
    element = button("Close survey", ids.PULSE_CLOSE_ACTION, survey_id)
    element["confirm"] = {
        "title": plain("Close the survey?", 100),
        "text": plain("Answers stop now and the results are posted in the channel.", 300),
        "confirm": plain("Close it", 30),
        "deny": plain("Keep it open", 30),
    }
    return element


def reminder_message(survey: SurveyRecord, count: int) -> SlackMessage:
    text = (
        f"⏰ *Reminder:* the team pulse closes {slack_date(survey.deadline)}. "
        f"{responses(count).capitalize()} so far; the results need at least {survey.threshold}."
    )
    answer = button("Answer", ids.PULSE_ANSWER_ACTION, survey.id, primary=True)
    chunks = [Chunk((section(text), context(escape(ANONYMOUS)), *actions([answer])))]
    return message(chunks, f"Reminder: the team pulse is open, {responses(count)} so far.")


def results_message(survey: SurveyRecord, results: PulseResults) -> SlackMessage:
    participation = section(
        f"*{results.respondents} answered* · anonymity threshold {results.threshold}"
    )
    lead = Chunk((header(RESULTS_TITLE), participation))
    if not results.visible:
        hidden = hidden_text(results)
        return message([lead, Chunk((section(hidden),))], f"{RESULTS_TITLE}: {hidden}")
    chunks = [lead, Chunk((section(recommendation_text(results)),))]
    chunks += line_chunks(
        "*How the models score for the team*", _share_lines(results), _MODEL_SHARES
    )
    split = [f"• {escape(result.question.prompt)}" for result in results.split]
    chunks += line_chunks("*Where the team is split*", split, _SPLIT)
    for n, result in enumerate(results.questions):
        chunks += line_chunks(f"*{escape(result.question.prompt)}*", _bars(result), _QUESTIONS - n)
    if results.dropped_questions:
        dropped = (
            f"{results.dropped_questions} question(s) of this survey are no longer in the "
            "knowledge and are left out."
        )
        chunks.append(Chunk((context(dropped),), _DROPPED))
    export = button("Export CSV", ids.PULSE_EXPORT_ACTION, survey.id)
    chunks.append(Chunk(tuple(actions([export]))))
    name = results.recommended.name if results.recommended else "no model yet"
    return message(chunks, f"{RESULTS_TITLE}: {results.respondents} answered. Recommended: {name}.")


def recommendation_text(results: PulseResults) -> str:
    top = results.recommended
    if top is None or results.clarity is Clarity.INSUFFICIENT:
        return "*No recommendation:* too few of the survey's questions were answered."
    name = escape(top.name)
    second = escape(results.runner_up.name) if results.runner_up else "the next model"
    if results.mixed:
        leaders = " and ".join(escape(model.name) for model, _ in results.shares[:2])
        how = (
            f"A close call: the team splits between {leaders}. When the evidence is this "
            f"mixed, the articles' common ground is {name}."
        )
    else:
        gap = points_apart([share for _, share in results.shares])
        how = clarity_sentence(results.clarity, name, second, gap)
    return f"*The team's recommended model: {name}*\n_{how}_"


def _share_lines(results: PulseResults) -> list[str]:
    return [
        f"{score_bar(share)} {round(100 * share)}%  {escape(model.name)}"
        for model, share in results.shares
    ]


def _bars(result: QuestionResult) -> list[str]:
    return [
        f"{score_bar(item.share)} {round(100 * item.share)}%  {escape(item.option.label)} "
        f"({item.count})"
        for item in result.options
    ]
