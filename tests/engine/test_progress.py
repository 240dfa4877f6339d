"""Progress since the previous result and the history of results, from stored values read with
today's knowledge (bot.engine.progress)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.engine.index import KnowledgeIndex, index_for
from bot.engine.progress import HISTORY_LENGTH, PastResult, history, progress, with_past
from bot.engine.replies import AnswerChange, HistoryEntry, ScoreChange, Summary
from bot.engine.summary import build_summary
from bot.knowledge import Knowledge
from bot.knowledge.model import Question

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
EARLIER = NOW - timedelta(days=7)
Answers = dict[str, str | None]


@pytest.fixture(scope="module")
def index(knowledge: Knowledge) -> KnowledgeIndex:
    return index_for(knowledge)


def all_options(knowledge: Knowledge, position: int) -> Answers:
    return {q.id: q.options[position].id for q in knowledge.questions}


def stored(answers: Answers, index: KnowledgeIndex, at: datetime = EARLIER) -> PastResult:
    """The result of `answers` as the service would have stored it."""
    summary = build_summary(answers, index, at)
    return PastResult(
        completed_at=at,
        recommended=summary.recommended.id,
        clarity=summary.clarity.value,
        answers=answers,
        scores={score.model.id: round(score.score, 4) for score in summary.scores},
    )


def dimension(index: KnowledgeIndex, question: Question) -> str:
    return index.dimension_name(question.dimension)


def test_a_changed_model_with_every_answer_changed(
    knowledge: Knowledge, index: KnowledgeIndex
) -> None:
    before, after = all_options(knowledge, 0), all_options(knowledge, 1)
    previous = stored(before, index)
    summary = build_summary(after, index, NOW)
    assert previous.recommended != summary.recommended.id  # the example's point

    view = progress(previous, summary, after, index)

    assert view.previous_date == EARLIER.date()
    assert view.previous_model == index.model_name(previous.recommended)
    assert view.model_changed
    assert view.scores == tuple(
        ScoreChange(score.model, previous.scores[score.model.id], score.score)
        for score in summary.scores
    )
    assert view.changed_answers == tuple(
        AnswerChange(dimension(index, q), q.options[0].label, q.options[1].label)
        for q in knowledge.questions
    )


def test_one_changed_answer_that_keeps_the_model(
    knowledge: Knowledge, index: KnowledgeIndex
) -> None:
    before = all_options(knowledge, 0)
    question = knowledge.questions[-1]
    after = {**before, question.id: question.options[1].id}
    previous = stored(before, index)
    summary = build_summary(after, index, NOW)
    assert summary.recommended.id == previous.recommended

    view = progress(previous, summary, after, index)

    assert not view.model_changed
    assert view.previous_model == summary.recommended.name
    assert view.changed_answers == (
        AnswerChange(
            dimension(index, question), question.options[0].label, question.options[1].label
        ),
    )
    shares = {change.model.id: (change.before, change.after) for change in view.scores}
    assert shares[summary.recommended.id][1] != shares[summary.recommended.id][0]


def test_the_same_answers_change_nothing(knowledge: Knowledge, index: KnowledgeIndex) -> None:
    answers = all_options(knowledge, 2)
    summary = build_summary(answers, index, NOW)

    view = progress(stored(answers, index), summary, answers, index)

    assert not view.model_changed
    assert view.changed_answers == ()
    assert all(change.before == pytest.approx(change.after, abs=1e-4) for change in view.scores)


def test_a_skipped_or_unasked_question_answered_now(
    knowledge: Knowledge, index: KnowledgeIndex
) -> None:
    first, second, *_ = knowledge.questions
    after = all_options(knowledge, 0)
    before: Answers = {**after, first.id: None}
    del before[second.id]  # a question the knowledge did not have then

    view = progress(stored(before, index), build_summary(after, index, NOW), after, index)

    assert view.changed_answers == (
        AnswerChange(dimension(index, first), None, first.options[0].label),
        AnswerChange(dimension(index, second), None, second.options[0].label),
    )


def test_a_question_answered_then_skipped_now(knowledge: Knowledge, index: KnowledgeIndex) -> None:
    question = knowledge.questions[3]
    before = all_options(knowledge, 0)
    after: Answers = {**before, question.id: None}

    view = progress(stored(before, index), build_summary(after, index, NOW), after, index)

    assert view.changed_answers == (
        AnswerChange(dimension(index, question), question.options[0].label, None),
    )


def test_a_model_gone_from_the_knowledge(knowledge: Knowledge, index: KnowledgeIndex) -> None:
    answers = all_options(knowledge, 0)
    summary = build_summary(answers, index, NOW)
    survivor = summary.scores[0].model.id
    previous = PastResult(
        EARLIER, "retired_model", "clear", answers, {"retired_model": 0.8, survivor: 0.2}
    )

    view = progress(previous, summary, answers, index)

    assert view.previous_model == "retired_model"
    assert view.model_changed
    # Every model of today's summary, in its order; one not scored then counts 0.
    assert [change.model.id for change in view.scores] == [s.model.id for s in summary.scores]
    assert [change.before for change in view.scores] == [0.2] + [0.0] * (len(view.scores) - 1)


def test_an_option_gone_from_the_knowledge(knowledge: Knowledge, index: KnowledgeIndex) -> None:
    first, second, *_ = knowledge.questions
    after: Answers = {**all_options(knowledge, 0), second.id: None}
    before: Answers = {**after, first.id: "retired_option", second.id: "retired_option"}

    previous = PastResult(EARLIER, stored(after, index).recommended, "clear", before, {})

    view = progress(previous, build_summary(after, index, NOW), after, index)

    # A gone option reads as no answer: a change to an answer now, none to a skip now.
    assert view.changed_answers == (
        AnswerChange(dimension(index, first), None, first.options[0].label),
    )


def test_history_is_newest_first_and_bounded(knowledge: Knowledge, index: KnowledgeIndex) -> None:
    past = [
        stored(all_options(knowledge, n % 4), index, EARLIER - timedelta(days=n))
        for n in range(HISTORY_LENGTH + 3)
    ]
    gone = PastResult(EARLIER + timedelta(hours=1), "retired_model", "leaning", {}, {})

    entries = history([*reversed(past), gone], index)

    assert len(entries) == HISTORY_LENGTH
    assert entries[0] == HistoryEntry(gone.completed_at.date(), "retired_model", "leaning", 0.0)
    assert entries[1:] == tuple(
        HistoryEntry(
            result.completed_at.date(),
            index.model_name(result.recommended),
            result.clarity,
            result.scores[result.recommended],
        )
        for result in past[: HISTORY_LENGTH - 1]
    )
    assert history(past, index, limit=2)[-1].date == date(2026, 11, 14)


def test_with_past_attaches_the_latest_as_progress(
    knowledge: Knowledge, index: KnowledgeIndex
) -> None:
    answers = all_options(knowledge, 1)
    summary = build_summary(answers, index, NOW)
    older = stored(all_options(knowledge, 2), index, EARLIER - timedelta(days=30))
    latest = stored(all_options(knowledge, 0), index, EARLIER)

    attached = with_past(summary, answers, [older, latest], index)

    assert attached.progress == progress(latest, summary, answers, index)
    assert attached.history == history([latest, older], index)
    assert [entry.date for entry in attached.history] == [EARLIER.date(), older.completed_at.date()]
    assert _without_past(attached) == summary


def test_with_no_past_result_there_is_no_progress(
    knowledge: Knowledge, index: KnowledgeIndex
) -> None:
    answers = all_options(knowledge, 1)
    summary = build_summary(answers, index, NOW)

    assert with_past(summary, answers, [], index) == summary


def _without_past(summary: Summary) -> Summary:
    return replace(summary, progress=None, history=())
