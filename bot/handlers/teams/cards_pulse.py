"""Adaptive Cards of the team pulse survey: the survey card in the channel (its live count, then
its closed state), the private questions card, the reminder and the results card.

The rules of `cards.py` hold here too (Adaptive Cards 1.5, wrapping TextBlocks, every dynamic
text escaped, every card under MAX_CARD_BYTES). Nothing here names a person: the cards show
counts, and the results below the anonymity threshold show nothing but how many answered.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.engine.pulse import OptionResult, PulseResults, QuestionResult
from bot.engine.summary import clarity_sentence, points_apart
from bot.handlers.teams.cards import (
    MAX_CARD_BYTES,
    MAX_NAME,
    MAX_TEXT,
    Chunk,
    TeamsMessage,
    action_set,
    adaptive_card,
    card_bytes,
    heading,
    markup,
    message,
    one_line,
    plain,
    score_bar,
    submit,
    text_block,
)
from bot.handlers.teams.submit import pulse_data, pulse_input_id
from bot.knowledge.model import Question
from storage.pulse import SurveyRecord, SurveyStatus

TITLE = "📊 Team pulse: who should own our AI work?"
RESULTS_TITLE = "📊 Team pulse results"
ANSWER_BUTTON = "Answer privately"
CLOSE_BUTTON = "Close survey"
SEND_BUTTON = "Send my answers"
ANONYMOUS = "Anonymous: nobody, admins included, can see who answered what."
CHOOSE_ONE = "Choose one answer."
CHART_ALT = "Chart of the team's answers"
# How the results card keeps its parts when it must be cut (higher stays longer).
_SCORES = 80
_SPLIT = 70
_QUESTIONS = 60
_DROPPED = 50
# The questions card cannot drop a question (the form must be whole), so it shortens texts
# instead, step by step, until it fits: (prompt characters, answer characters).
_FORM_STEPS = ((MAX_TEXT, MAX_NAME), (500, 75), (200, 60), (100, 40), (60, 24))


def when(moment: datetime) -> str:
    """A time as Teams shows it in the reader's own time zone and format (Adaptive Card date
    functions); only ever our own markup, never escaped."""
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({stamp},SHORT)}}}} {{{{TIME({stamp})}}}}"


def when_plain(moment: datetime) -> str:
    """The same time for plain text (notifications), in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _answered(count: int) -> str:
    return "1 person has answered" if count == 1 else f"{count} people have answered"


# --- the survey card in the channel ----------------------------------------------------------


def survey_card(survey: SurveyRecord, count: int) -> TeamsMessage:
    """The channel's card: while open, the count and the two buttons; closed, the total only.

    People answer in a private chat, not in inputs on this card: every live-count update
    redraws this card (update_activity replaces it whole) and would wipe whatever anyone was
    filling in at that moment, and answers typed in a channel card are not private anyway."""
    questions = len(survey.question_ids)
    if survey.status is SurveyStatus.CLOSED:
        closed = (
            text_block(TITLE, bold=True, size="medium", is_heading=True),
            text_block(f"Closed: **{_answered(count)}**.", color="good"),
            text_block("The results are posted in this thread.", subtle=True),
        )
        return message([Chunk(closed)], f"Team pulse closed: {_answered(count)}.")
    buttons = [
        submit(ANSWER_BUTTON, pulse_data("pulse_answer", survey.id), style="positive"),
        submit(CLOSE_BUTTON, pulse_data("pulse_close", survey.id)),
    ]
    elements = (
        text_block(TITLE, bold=True, size="medium", is_heading=True),
        text_block(
            f"{_questions(questions)} on who should own AI work here, answered in a private "
            f"chat with me. {ANONYMOUS}"
        ),
        text_block(
            f"Closes {when(survey.deadline)}. The results appear here if at least "
            f"{survey.threshold} people answer.",
            subtle=True,
        ),
        text_block(f"**{_answered(count)}** so far."),
        action_set(buttons, spacing="medium"),
    )
    fallback = (
        f"Team pulse: {_questions(questions)}, anonymous. {_answered(count)} so far; closes "
        f"{when_plain(survey.deadline)}."
    )
    return message([Chunk(elements)], fallback)


def _questions(count: int) -> str:
    return "One question" if count == 1 else f"{count} short questions"


def reminder_card(survey: SurveyRecord, count: int) -> TeamsMessage:
    elements = (
        text_block(
            f"⏰ Reminder: the team pulse closes {when(survey.deadline)}. "
            f"**{_answered(count)}** so far; results need at least {survey.threshold}.",
        ),
        text_block(ANONYMOUS, subtle=True),
        action_set(
            [submit(ANSWER_BUTTON, pulse_data("pulse_answer", survey.id), style="positive")]
        ),
    )
    fallback = f"Reminder: the team pulse closes {when_plain(survey.deadline)}."
    return message([Chunk(elements)], fallback)


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
            fallback = f"Team pulse: {_questions(len(questions))}, anonymous."
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
        text_block("📊 Team pulse", bold=True, size="medium", is_heading=True),
        text_block(
            f"{ANONYMOUS} The team sees only totals, and only once at least "
            f"{survey.threshold} people have answered. You can change your answers until "
            f"{when(survey.deadline)}."
        ),
    ]
    if previous:
        body.append(
            text_block(
                "Your earlier answers are filled in: change what you like and send again.",
                color="accent",
            )
        )
    for number, question in enumerate(questions, 1):
        body.append(
            text_block(
                f"{number}. {markup(question.prompt, prompt_limit)}", bold=True, spacing="medium"
            )
        )
        body.append(_choices(question, (previous or {}).get(question.id), label_limit))
    send = submit(SEND_BUTTON, pulse_data("pulse_send", survey.id), style="positive")
    body.append(action_set([send], spacing="medium"))
    return body


def _choices(question: Question, chosen: str | None, label_limit: int) -> dict[str, Any]:
    choice_set: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": pulse_input_id(question.id),
        "style": "expanded",
        "isRequired": True,
        "errorMessage": CHOOSE_ONE,
        "wrap": True,
        "choices": [
            {"title": plain(option.label, label_limit), "value": option.id}
            for option in question.options
        ],
    }
    if chosen is not None and question.option(chosen) is not None:
        choice_set["value"] = chosen
    return choice_set


# --- the results card --------------------------------------------------------------------------


def results_card(
    survey: SurveyRecord, results: PulseResults, chart: bytes | None = None
) -> TeamsMessage:
    """Participation; when at least the threshold answered, the team's recommendation, the
    model scores, the questions the team is split on and each question's answers as bars, and
    `chart` (a PNG) when the card still fits with it."""
    head = [
        text_block(RESULTS_TITLE, bold=True, size="medium", is_heading=True),
        text_block(_participation(survey, results), subtle=True),
    ]
    if not results.visible:
        head.append(text_block(hidden_text(results)))
        return message([Chunk(tuple(head))], hidden_text(results))
    head += _recommendation(results)
    chunks = [Chunk(tuple(head))]
    chunks += _scores(results)
    chunks += _split(results)
    chunks += [
        Chunk(
            (heading(f"{n}. {markup(item.question.prompt)}"), *_option_rows(item)), _QUESTIONS - n
        )
        for n, item in enumerate(results.questions, 1)
    ]
    if results.dropped_questions:
        note = (
            f"{results.dropped_questions} question(s) of this survey are no longer asked, so "
            "they are left out."
        )
        chunks.append(Chunk((text_block(note, subtle=True, size="small"),), _DROPPED))
    fitted = message(chunks, _fallback(results))
    return _with_chart(fitted, chart, len(head))


def hidden_text(results: PulseResults) -> str:
    return (
        f"{_answered(results.respondents)}, fewer than the anonymity threshold of "
        f"{results.threshold}, so the results stay hidden."
    )


def _participation(survey: SurveyRecord, results: PulseResults) -> str:
    closed = f" · closed {when(survey.closed_at)}" if survey.closed_at else ""
    return f"{_answered(results.respondents)} · anonymity threshold {results.threshold}{closed}"


def _recommendation(results: PulseResults) -> list[dict[str, Any]]:
    model = results.recommended
    if model is None:
        return [text_block("Nobody answered the questions, so there is no recommendation.")]
    return [
        text_block(
            f"The team points to: {one_line(model.name, MAX_NAME)}",
            bold=True,
            size="medium",
            color="good",
        ),
        text_block(markup(model.summary)),
        text_block(f"*{markup(clarity_text(results))}*", subtle=True),
    ]


def clarity_text(results: PulseResults) -> str:
    """How clear-cut the team's result is, in the summary card's words."""
    top = results.recommended.name if results.recommended else ""
    ranked = [model.name for model, _ in results.shares]
    second = results.runner_up.name if results.runner_up else "the rest"
    if results.mixed and len(ranked) > 1:
        return (
            f"A close call: the team's answers split between {ranked[0]} and {ranked[1]}. "
            f"When the evidence is this mixed, the articles' common ground is {top}."
        )
    gap = points_apart([share for _, share in results.shares])
    return clarity_sentence(results.clarity, top, second, gap)


def _bar_row(share: float, label: str, count: int | None = None) -> dict[str, Any]:
    """One bar line: the summary card's text bar, the share and the label (and how many). A
    TextBlock rather than the summary's two-column row: a third of the bytes, which leaves
    room for the chart in the card."""
    percent = min(max(round(100 * share), 0), 100)
    counted = f" ({count})" if count is not None else ""
    line = f"{score_bar(share)} {percent}% · {one_line(label, MAX_NAME)}{counted}"
    return text_block(line, spacing="none")


def _scores(results: PulseResults) -> list[Chunk]:
    rows = [_bar_row(share, model.name) for model, share in results.shares]
    return [Chunk((heading("How the models score for the team"), *rows), _SCORES)] if rows else []


def _split(results: PulseResults) -> list[Chunk]:
    if not results.split:
        return []
    lines = [
        text_block(f"• {markup(item.question.prompt, 300)} ({_leaders(item)})", spacing="small")
        for item in results.split
    ]
    return [Chunk((heading("Where the team is split"), *lines), _SPLIT)]


def _leaders(item: QuestionResult) -> str:
    ranked = sorted(item.options, key=lambda option: -option.count)[:2]
    return " vs ".join(_share_of(option) for option in ranked)


def _share_of(option: OptionResult) -> str:
    return f"{one_line(option.option.label, MAX_NAME)} {round(100 * option.share)}%"


def _option_rows(item: QuestionResult) -> list[dict[str, Any]]:
    return [_bar_row(option.share, option.option.label, option.count) for option in item.options]


def _fallback(results: PulseResults) -> str:
    model = results.recommended
    if model is None:
        return f"Team pulse results: {_answered(results.respondents)}."
    return f"Team pulse results: {_answered(results.respondents)}; the team points to {model.name}."


def _with_chart(fitted: TeamsMessage, chart: bytes | None, position: int) -> TeamsMessage:
    """`fitted` with the chart image after its first `position` elements, when it still fits
    (Teams shows data URIs); otherwise unchanged: the bars carry the same numbers."""
    if not chart or fitted.card is None:
        return fitted
    image = {
        "type": "Image",
        "url": "data:image/png;base64," + base64.b64encode(chart).decode("ascii"),
        "altText": CHART_ALT,
        "size": "stretch",
        "spacing": "medium",
    }
    body = list(fitted.card["body"])
    body.insert(position, image)
    card = {**fitted.card, "body": body}
    if card_bytes(card) > MAX_CARD_BYTES:
        return fitted
    return TeamsMessage(fitted.text, card)
