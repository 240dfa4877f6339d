"""The pulse survey's Block Kit: the modals, the card, the reminder and the results are valid for
Slack and safe, for the bundled knowledge and for the largest and most hostile one the schema
allows; and what anonymity forbids is never drawn."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.engine.pulse import PulseResults, pulse_results
from bot.engine.replies import Clarity
from bot.handlers.slack import blocks_pulse, ids
from bot.handlers.slack.blocks import SlackMessage, escape
from bot.handlers.slack.render import help_message, slack_date
from bot.knowledge import Knowledge
from storage.pulse import SurveyRecord, SurveyStatus
from tests.handlers.slack.checks import (
    all_text,
    assert_safe,
    assert_safe_message,
    assert_valid_message,
    assert_valid_view,
)
from tests.handlers.slack.conftest import HOSTILE, NOW, WORDS, MaximalFactory

PATTERNS = {"words": WORDS, "hostile": HOSTILE}


def survey_of(knowledge: Knowledge, **changes: object) -> SurveyRecord:
    survey = SurveyRecord(
        id="0123456789abcdef0123456789abcdef",
        platform="slack",
        workspace="T0001",
        channel="C0GENERAL",
        launcher_key="a" * 64,
        question_ids=tuple(q.id for q in knowledge.pulse_questions),
        knowledge_version=knowledge.version,
        threshold=3,
        created_at=NOW,
        deadline=NOW + timedelta(days=3),
    )
    return replace(survey, **changes)  # type: ignore[arg-type]


def split_results(knowledge: Knowledge, respondents: int = 4) -> PulseResults:
    """Half the team on each question's first option, half on its second."""
    half = respondents // 2
    counts = {
        q.id: {q.options[0].id: half, q.options[1].id: respondents - half}
        for q in knowledge.pulse_questions
    }
    question_ids = [q.id for q in knowledge.pulse_questions]
    return pulse_results(respondents, counts, question_ids, knowledge, 3)


def assert_safe_with_dates(message: SlackMessage, survey: SurveyRecord) -> None:
    dates = tuple(slack_date(when) for when in (survey.deadline, survey.closed_at) if when)
    assert_safe_message(message, mentions=dates)


# --- modals ---------------------------------------------------------------------------------


def test_launch_modal() -> None:
    view = blocks_pulse.launch_modal("C0GENERAL", NOW)
    assert_valid_view(view)
    assert view["callback_id"] == ids.PULSE_LAUNCH_VIEW
    assert view["private_metadata"] == '{"channel":"C0GENERAL"}'
    inputs = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    assert set(inputs) == {
        ids.PULSE_DEADLINE_BLOCK,
        ids.PULSE_REPEAT_BLOCK,
        ids.PULSE_THRESHOLD_BLOCK,
        ids.PULSE_REMIND_BLOCK,
    }
    repeat = inputs[ids.PULSE_REPEAT_BLOCK]["element"]
    assert repeat["initial_option"]["value"] == ids.PULSE_REPEAT_ONCE
    assert [o["value"] for o in repeat["options"]] == ["once", "weekly", "biweekly", "monthly"]
    assert [o["text"]["text"] for o in repeat["options"]] == [
        "Once",
        "Weekly",
        "Every two weeks",
        "Monthly",
    ]
    deadline = inputs[ids.PULSE_DEADLINE_BLOCK]["element"]
    assert deadline["initial_date_time"] == int((NOW + timedelta(days=3)).timestamp())
    threshold = inputs[ids.PULSE_THRESHOLD_BLOCK]
    assert threshold["optional"] is True
    assert threshold["element"]["min_value"] == "3"
    assert "<#C0GENERAL>" in all_text(view)


def test_launch_modal_does_not_link_a_forged_channel() -> None:
    view = blocks_pulse.launch_modal("<!channel>", NOW)
    assert "<!channel>" not in all_text(view["blocks"])


def test_answer_modal_asks_every_question_and_prefills(knowledge: Knowledge) -> None:
    questions = knowledge.pulse_questions
    empty = blocks_pulse.answer_modal("s" * 32, questions, None)
    assert_valid_view(empty)
    radios = [b for b in empty["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in radios] == [ids.pulse_question_block(q.id) for q in questions]
    assert all(not b.get("optional") for b in radios)
    assert all("initial_option" not in b["element"] for b in radios)
    assert empty["submit"]["text"] == "Submit"

    previous = {q.id: q.options[-1].id for q in questions}
    previous[questions[0].id] = "no-such-option"
    filled = blocks_pulse.answer_modal("s" * 32, questions, previous)
    assert_valid_view(filled)
    radios = [b for b in filled["blocks"] if b["type"] == "input"]
    assert "initial_option" not in radios[0]["element"]
    for block, question in zip(radios[1:], questions[1:], strict=True):
        assert block["element"]["initial_option"]["value"] == question.options[-1].id
    assert filled["submit"]["text"] == "Update"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_answer_modal_fits_the_largest_knowledge(maximal: MaximalFactory, pattern: str) -> None:
    knowledge = maximal(PATTERNS[pattern])
    view = blocks_pulse.answer_modal("s" * 32, knowledge.pulse_questions, None)
    assert_valid_view(view)
    assert_safe(view["blocks"])


def test_notice_view_has_no_submit() -> None:
    view = blocks_pulse.notice_view(HOSTILE)
    assert_valid_view(view)
    assert "submit" not in view
    assert view["close"]["text"] == "Close"
    assert_safe(view["blocks"])


# --- card and reminder ------------------------------------------------------------------------


def test_open_card_shows_the_count_and_the_buttons(knowledge: Knowledge) -> None:
    survey = survey_of(knowledge, remind_at=NOW + timedelta(days=2))
    card = blocks_pulse.survey_card(survey, 5, 0)
    assert_valid_message(card)
    assert_safe_with_dates(card, survey)
    assert "0 people have answered" in all_text(card.blocks)
    assert "reminder" in all_text(card.blocks)
    one = blocks_pulse.survey_card(survey, 5, 1)
    assert "*1 person has answered so far.*" in all_text(one.blocks)
    actions = [e["action_id"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == [ids.PULSE_ANSWER_ACTION, ids.PULSE_CLOSE_ACTION]


def test_closed_card_has_no_buttons(knowledge: Knowledge) -> None:
    survey = survey_of(knowledge, status=SurveyStatus.CLOSED, closed_at=NOW + timedelta(hours=1))
    card = blocks_pulse.survey_card(survey, 5, 7)
    assert_valid_message(card)
    assert_safe_with_dates(card, survey)
    assert "7 people have answered" in all_text(card.blocks)
    assert all(block["type"] != "actions" for block in card.blocks)


def test_reminder_has_the_answer_button(knowledge: Knowledge) -> None:
    survey = survey_of(knowledge)
    reminder = blocks_pulse.reminder_message(survey, 2)
    assert_valid_message(reminder)
    assert_safe_with_dates(reminder, survey)
    buttons = [e for b in reminder.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(ids.PULSE_ANSWER_ACTION, survey.id)]


# --- results --------------------------------------------------------------------------------


def test_results_show_bars_recommendation_and_splits(knowledge: Knowledge) -> None:
    results = split_results(knowledge)
    survey = survey_of(knowledge)
    shown = blocks_pulse.results_message(survey, results)
    assert_valid_message(shown)
    assert_safe_message(shown)
    text = all_text(shown.blocks)
    assert "4 people have answered · anonymity threshold 3" in text
    for model, share in results.shares:  # the team's model scores stay in the message
        assert f"{round(100 * share)}%  {escape(model.name)}" in text
    assert results.recommended is not None
    assert f"The team points to: {results.recommended.name}" in text
    assert "Where the team is split" in text
    # Every question's numbers are one button away, in a modal, not in the channel message.
    assert "1. " + knowledge.pulse_questions[0].prompt not in text
    buttons = [e for b in shown.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in buttons] == [
        (ids.PULSE_NUMBERS_ACTION, survey.id),
        (ids.PULSE_EXPORT_ACTION, survey.id),
        (ids.PULSE_COMPARE_ACTION, survey.id),
    ]
    view = blocks_pulse.numbers_view(results)
    assert_valid_view(view)
    assert_safe(view["blocks"])
    numbers = all_text(view["blocks"])
    for n, question in enumerate(knowledge.pulse_questions, 1):
        assert f"{n}. {escape(question.prompt)}" in numbers
    assert "(2)" in numbers


def test_hidden_results_draw_nothing_of_the_answers(knowledge: Knowledge) -> None:
    results = pulse_results(2, {}, [q.id for q in knowledge.pulse_questions], knowledge, 5)
    shown = blocks_pulse.results_message(survey_of(knowledge), results)
    assert_valid_message(shown)
    text = all_text(shown.blocks) + shown.text
    assert "2 people have answered, fewer than the anonymity threshold of 5" in text
    assert "results stay hidden" in text
    assert "█" not in text
    assert "%" not in text
    assert all(q.prompt not in text for q in knowledge.pulse_questions)
    assert all(block["type"] != "actions" for block in shown.blocks)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_results_fit_the_largest_knowledge(maximal: MaximalFactory, pattern: str) -> None:
    knowledge = maximal(PATTERNS[pattern])
    shown = blocks_pulse.results_message(survey_of(knowledge), split_results(knowledge, 9))
    assert_valid_message(shown)
    assert_safe_message(shown)
    assert any(b["type"] == "actions" for b in shown.blocks)  # the export button survives cuts


@pytest.mark.parametrize(
    ("clarity", "mixed", "expected"),
    [
        (Clarity.CLEAR, False, "A clear result: {a} leads {b} by 30 points."),
        (Clarity.LEANING, False, "Leaning toward {a}, 30 points ahead of {b}."),
        (Clarity.CLOSE_CALL, False, "A close call between {a} and {b}, 30 points apart."),
        (Clarity.CLOSE_CALL, True, "the team's answers split between {a} and {b}"),
        (Clarity.INSUFFICIENT, False, "No recommendation"),
    ],
)
def test_recommendation_says_how_clear_cut_it_is(
    knowledge: Knowledge, clarity: Clarity, mixed: bool, expected: str
) -> None:
    first, second = knowledge.models[:2]
    results = PulseResults(
        respondents=5,
        threshold=3,
        visible=True,
        recommended=first,
        runner_up=second,
        clarity=clarity,
        shares=((first, 0.6), (second, 0.3)),
        mixed=mixed,
    )
    line = all_text(blocks_pulse.results_message(survey_of(knowledge), results).blocks)
    assert expected.format(a=first.name, b=second.name) in line


def test_help_lists_the_pulse_commands() -> None:
    text = all_text(help_message(()).blocks)
    for command in ("/ai-owner pulse", "close", "results", "export"):
        assert command in text
