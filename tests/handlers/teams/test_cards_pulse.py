"""The pulse survey's Adaptive Cards: schema-valid 1.5, under Teams' size limit for the bundled and
the largest knowledge, markdown-safe, buttons and inputs that read back; the results card's
content (bars, recommendation, split, chart when it fits) and nothing below the threshold."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from bot.engine.pulse import PulseResults, pulse_results
from bot.handlers.teams.cards_pulse import questions_card, reminder_card, results_card, survey_card
from bot.handlers.teams.proactive import Proactive
from bot.handlers.teams.pulse import export_activity
from bot.handlers.teams.pulse_publisher import TeamsPulsePublisher
from bot.handlers.teams.render import markdown_of
from bot.handlers.teams.submit import PULSE_INPUT_PREFIX, Submitted, parse_submit
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.pulse.chart import results_chart_png
from bot.views.catalogue import ANSWER_PRIVATELY as ANSWER_BUTTON
from bot.views.catalogue import CLOSE_SURVEY as CLOSE_BUTTON
from bot.views.catalogue import EXPORT_DECLINED, SEE_ALL_NUMBERS
from bot.views.catalogue import SEND_ANSWERS as SEND_BUTTON
from bot.views.document import moment, moment_plain, say
from bot.views.pulse import clarity_text
from storage.pulse import SurveyRecord, SurveyStatus
from tests.handlers.slack.conftest import HOSTILE, WORDS, write_maximal
from tests.handlers.teams.card_checks import (
    MAX_CARD_BYTES,
    assert_valid_message,
    compact,
    of_type,
    submits,
)


def when(at: datetime) -> str:
    return markdown_of(say(moment(at)))


def when_plain(at: datetime) -> str:
    return moment_plain(at)


NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
SURVEY_ID = "0123456789abcdef0123456789abcdef"
TEAMS_HOSTILE = "[x](http://evil) <at>Someone</at> **b** _i_ `c` 🎉👩‍👩‍👧 &amp;\n# h\n"
PATTERNS = {"words": WORDS, "slack-hostile": HOSTILE, "teams-hostile": TEAMS_HOSTILE}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


@pytest.fixture(scope="module")
def maximal(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Knowledge]:
    return {
        name: write_maximal(tmp_path_factory.mktemp(name) / "k", pattern, copies=4)
        for name, pattern in PATTERNS.items()
    }


def a_survey(knowledge: Knowledge, **changes: Any) -> SurveyRecord:
    record = SurveyRecord(
        id=SURVEY_ID,
        platform="teams",
        workspace="tenant-1",
        channel="19:channel@thread.tacv2",
        launcher_key="0" * 64,
        question_ids=tuple(q.id for q in knowledge.pulse_questions),
        knowledge_version=knowledge.version,
        threshold=3,
        created_at=NOW,
        deadline=NOW + timedelta(days=3),
    )
    return replace(record, **changes)


def closed(knowledge: Knowledge) -> SurveyRecord:
    return a_survey(knowledge, status=SurveyStatus.CLOSED, closed_at=NOW + timedelta(days=1))


def results_of(
    knowledge: Knowledge, respondents: int, pick: Any = None, threshold: int = 3
) -> PulseResults:
    """Results where respondent n chose option `pick(n, question)` of each pulse question
    (default: alternately the first and the second option: every question split)."""
    choose = pick or (lambda n, _question: n % 2)
    counts: dict[str, dict[str, int]] = {}
    for question in knowledge.pulse_questions:
        for n in range(respondents):
            option = question.options[choose(n, question) % len(question.options)]
            counts.setdefault(question.id, {}).setdefault(option.id, 0)
            counts[question.id][option.id] += 1
    ids = [q.id for q in knowledge.pulse_questions]
    return pulse_results(respondents, counts, ids, knowledge, threshold)


def texts(message: Any) -> str:
    return json.dumps(message.card, ensure_ascii=False)


def images(card: dict[str, Any] | None) -> list[dict[str, Any]]:
    return of_type(card or {}, "Image")


# --- the channel's survey card --------------------------------------------------------------------


def test_the_open_card_shows_the_count_and_both_buttons(knowledge: Knowledge) -> None:
    message = survey_card(a_survey(knowledge), 4)
    assert_valid_message(message)
    assert message.card is not None
    assert "**4 people have answered so far.**" in texts(message)
    titles = [action["title"] for action in submits(message.card)]
    assert titles == [ANSWER_BUTTON, CLOSE_BUTTON]
    kinds = [parse_submit(action["data"]) for action in submits(message.card)]
    assert kinds == [
        Submitted("pulse_answer", survey_id=SURVEY_ID),
        Submitted("pulse_close", survey_id=SURVEY_ID),
    ]
    assert "at least 3 people" in texts(message)
    assert when(NOW + timedelta(days=3)) in texts(message)
    assert "1 person has answered" in texts(survey_card(a_survey(knowledge), 1))


def test_the_closed_card_has_no_buttons(knowledge: Knowledge) -> None:
    message = survey_card(closed(knowledge), 7)
    assert_valid_message(message)
    assert message.card is not None
    assert not submits(message.card)
    assert "**Closed: 7 people have answered.**" in texts(message)


def test_times_are_shown_in_the_readers_zone() -> None:
    local = datetime(2025, 3, 4, 10, 30, tzinfo=UTC).astimezone()
    assert when(local) == "{{DATE(2025-03-04T10:30:00Z,SHORT)}} {{TIME(2025-03-04T10:30:00Z)}}"
    assert when_plain(local) == "2025-03-04 10:30 UTC"


def test_the_reminder_has_the_answer_button(knowledge: Knowledge) -> None:
    message = reminder_card(a_survey(knowledge), 2)
    assert_valid_message(message)
    assert message.card is not None
    [button] = submits(message.card)
    assert button["title"] == ANSWER_BUTTON
    assert "Reminder" in texts(message)
    assert "2 people have answered" in texts(message)


# --- the private questions card -------------------------------------------------------------------


def test_the_questions_card_has_one_expanded_choice_per_question(knowledge: Knowledge) -> None:
    survey = a_survey(knowledge)
    questions = knowledge.pulse_questions
    message = questions_card(survey, questions, None)
    assert_valid_message(message)
    assert message.card is not None
    choices = of_type(message.card, "Input.ChoiceSet")
    assert [block["id"] for block in choices] == [PULSE_INPUT_PREFIX + q.id for q in questions]
    for block, question in zip(choices, questions, strict=True):
        assert block["style"] == "expanded"
        assert block["isRequired"] is True
        assert "value" not in block
        assert [choice["value"] for choice in block["choices"]] == [o.id for o in question.options]
    [send] = submits(message.card)
    assert send["title"] == SEND_BUTTON
    # What Teams sends back: the button's data merged with the chosen values.
    value = {**send["data"], **{block["id"]: block["choices"][1]["value"] for block in choices}}
    submitted = parse_submit(value)
    assert submitted == Submitted(
        "pulse_send",
        survey_id=SURVEY_ID,
        answers=tuple(sorted((q.id, q.options[1].id) for q in questions)),
    )


def test_earlier_answers_are_filled_in(knowledge: Knowledge) -> None:
    questions = knowledge.pulse_questions
    previous = {q.id: q.options[-1].id for q in questions}
    previous[questions[0].id] = "an-option-removed-since"
    message = questions_card(a_survey(knowledge), questions, previous)
    assert_valid_message(message)
    assert message.card is not None
    values = [block.get("value") for block in of_type(message.card, "Input.ChoiceSet")]
    assert values == [None, *(q.options[-1].id for q in questions[1:])]
    assert "earlier answers are filled in" in texts(message)


@pytest.mark.parametrize("name", PATTERNS)
def test_the_largest_questions_card_fits(maximal: dict[str, Knowledge], name: str) -> None:
    knowledge = maximal[name]
    questions = knowledge.pulse_questions
    assert len(questions) >= 16
    previous = {q.id: q.options[0].id for q in questions}
    message = questions_card(a_survey(knowledge), questions, previous)
    assert_valid_message(message)
    assert message.card is not None
    choices = of_type(message.card, "Input.ChoiceSet")
    assert len(choices) == len(questions)  # a form is never cut: every question stays
    for block, question in zip(choices, questions, strict=True):
        assert [c["value"] for c in block["choices"]] == [o.id for o in question.options]


# --- the results card -----------------------------------------------------------------------------


def test_results_show_bars_recommendation_split_and_the_chart(knowledge: Knowledge) -> None:
    results = results_of(knowledge, 4)
    assert results.visible
    assert results.split
    chart = results_chart_png(results)
    assert chart is not None
    message = results_card(closed(knowledge), results, chart)
    assert_valid_message(message)
    shown = texts(message)
    assert results.recommended is not None
    assert f"The team points to: {results.recommended.name}" in shown
    assert "How the models score for the team" in shown
    assert "Where the team is split" in shown
    assert "█████░░░░░ 50% · " in shown
    for item in results.questions:
        for option in item.options:
            assert f"{option.option.label} ({option.count})" in shown
    [image] = images(message.card)
    assert base64.b64decode(image["url"].removeprefix("data:image/png;base64,")) == chart
    assert image["altText"]


def test_every_question_s_numbers_are_folded_behind_one_toggle(knowledge: Knowledge) -> None:
    results = results_of(knowledge, 4)
    message = results_card(closed(knowledge), results, results_chart_png(results))
    assert message.card is not None
    body = message.card["body"]
    [toggle] = of_type(message.card, "Action.ToggleVisibility")
    assert toggle["title"] == SEE_ALL_NUMBERS
    [target] = toggle["targetElements"]
    [hidden] = [part for part in body if part.get("id") == target]
    assert hidden["type"] == "Container"
    assert hidden["isVisible"] is False
    inside = json.dumps(hidden, ensure_ascii=False)
    for n, item in enumerate(results.questions, 1):
        assert f"{n}\\\\. {item.question.prompt}" in inside  # markdown escapes "1."
    # Shown at once: the headline, the team's model and clarity, the split and the chart.
    visible = json.dumps([part for part in body if part is not hidden], ensure_ascii=False)
    assert "Where the team is split" in visible
    assert images(message.card)
    first = results.questions[0].question.prompt
    assert f"1\\\\. {first}" not in visible  # its numbers are only in the fold


def test_the_chart_is_left_out_when_it_would_not_fit(knowledge: Knowledge) -> None:
    results = results_of(knowledge, 4)
    message = results_card(closed(knowledge), results, b"\x89PNG" + bytes(30_000))
    assert_valid_message(message)
    assert not images(message.card)
    assert "Where the team is split" in texts(message)  # nothing else was given up


def test_a_clear_result_is_not_split(knowledge: Knowledge) -> None:
    results = results_of(knowledge, 5, pick=lambda n, _q: 0)
    message = results_card(closed(knowledge), results)
    assert_valid_message(message)
    assert "Where the team is split" not in texts(message)
    assert "100% · " in texts(message)
    assert clarity_text(results) in texts(message) or "close call" in texts(message).lower()


def test_below_the_threshold_nothing_but_the_count_shows(knowledge: Knowledge) -> None:
    results = results_of(knowledge, 2, threshold=5)
    assert not results.visible
    message = results_card(closed(knowledge), results, b"\x89PNG" + bytes(100))
    assert_valid_message(message)
    shown = texts(message)
    assert "2 people have answered, fewer than the anonymity threshold of 5" in shown
    assert "%" not in shown
    assert not images(message.card)
    for question in knowledge.pulse_questions:
        assert question.prompt not in shown
        assert all(option.label not in shown for option in question.options)


def test_results_when_nobody_answered_a_question(knowledge: Knowledge) -> None:
    ids = [q.id for q in knowledge.pulse_questions]
    results = pulse_results(3, {}, ids, knowledge, 3)
    message = results_card(closed(knowledge), results)
    assert_valid_message(message)
    assert "no recommendation" in texts(message).lower()


@pytest.mark.parametrize("name", PATTERNS)
def test_the_largest_results_card_fits(maximal: dict[str, Knowledge], name: str) -> None:
    knowledge = maximal[name]
    results = results_of(knowledge, 7, pick=lambda n, q: n + len(q.id))
    chart = b"\x89PNG" + bytes(12_000)  # the bundled pulse's chart is about this size
    message = results_card(closed(knowledge), results, chart)
    assert_valid_message(message)
    assert message.card is not None
    assert len(compact(message.card, ascii_only=True)) <= MAX_CARD_BYTES


async def test_a_failing_chart_leaves_the_results_without_it(knowledge: Knowledge) -> None:
    def broken(_results: PulseResults) -> bytes:
        raise ValueError("cannot draw")

    publisher = TeamsPulsePublisher(cast(Proactive, None), chart=broken)
    activity = await publisher.results_activity(closed(knowledge), results_of(knowledge, 4))
    card = activity.attachments[0].content
    assert "The team points to" in json.dumps(card)
    assert not images(card)


def test_clarity_is_said_like_the_summary(knowledge: Knowledge) -> None:
    clear = results_of(knowledge, 6, pick=lambda n, _q: 0)
    assert clarity_text(clear).startswith(("A clear result", "Leaning toward", "A close call"))
    assert clear.recommended is not None
    assert clear.recommended.name in clarity_text(clear)


# --- the export -----------------------------------------------------------------------------------


def test_the_export_is_a_code_block_nothing_can_close_early() -> None:
    csv = "question_id,option\nq,```sneaky````\n"
    activity = export_activity(csv, EXPORT_DECLINED)
    text = activity.text
    assert text.startswith(EXPORT_DECLINED)
    fence = "`````"  # longer than the four in the text
    assert text.endswith(f"\n{fence}")
    assert f"\n{fence}\n{csv.rstrip()}\n{fence}" in text
    assert activity.text_format == "markdown"


def test_cards_carry_no_survey_data_beyond_the_id(knowledge: Knowledge, tmp_path: Path) -> None:
    """The buttons carry the survey id and their kind: nothing about who launched it."""
    message = survey_card(a_survey(knowledge), 0)
    assert message.card is not None
    for action in submits(message.card):
        assert set(action["data"]) == {"advisor", "s"}
