"""You and your team: one person's answers beside the team's pulse results. Against the bundled
knowledge, whose pulse has five questions."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.index import KnowledgeIndex, index_for
from bot.engine.pulse import PulseResults, QuestionResult, pulse_results
from bot.engine.pulse_compare import MARKED_DISTANCE, Comparison, compare
from bot.engine.scoring import score
from bot.engine.summary import build_summary
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.knowledge.model import Entry, Question
from tests.engine.conftest import NOW

Counts = dict[str, dict[str, int]]
Answers = dict[str, str | None]

# Hypothesis tests cannot take function-scoped fixtures; the knowledge is immutable anyway.
KNOWLEDGE = load_knowledge(default_knowledge_dir())
INDEX = index_for(KNOWLEDGE)
PULSE = KNOWLEDGE.pulse_questions
THRESHOLD = 5


def leaning_to(question: Question, model_id: str) -> str:
    """The option of `question` that weighs `model_id` most."""
    return max(question.options, key=lambda o: o.weights.get(model_id, 0)).id


def everyone(option_of: Mapping[str, str | None], n: int = 6) -> Counts:
    """Counts of a team of `n` who all answer each question with `option_of[question]`."""
    return {q: {option_id: n} if option_id else {} for q, option_id in option_of.items()}


def results(counts: Counts, knowledge: Knowledge = KNOWLEDGE, respondents: int = 6) -> PulseResults:
    question_ids = [question.id for question in knowledge.pulse_questions]
    return pulse_results(respondents, counts, question_ids, knowledge, THRESHOLD)


def leaning_answers(model_id: str) -> dict[str, str]:
    """Every question of the diagnostic answered the way that leans most to `model_id`."""
    return {question.id: leaning_to(question, model_id) for question in KNOWLEDGE.questions}


def pulse_only(answers: Mapping[str, str | None]) -> Answers:
    return {q.id: answers[q.id] for q in PULSE if q.id in answers}


def ids_of(comparison: Comparison) -> list[str]:
    return [difference.comparison.question.id for difference in comparison.differences]


# --- the questions ----------------------------------------------------------------------------


def test_identical_answers_have_no_differences() -> None:
    answers = leaning_answers("it_led")
    comparison = compare(answers, results(everyone(pulse_only(answers))), INDEX)

    assert [item.question.id for item in comparison.questions] == [q.id for q in PULSE]
    for item in comparison.questions:
        assert item.yours is not None
        assert item.share_like_you == 1.0
        assert item.distance == 0.0
    assert comparison.differences == ()
    assert comparison.same_model
    assert comparison.your_model is not None
    assert comparison.your_model.id == "it_led"


def test_one_contrarian_answer_is_the_top_difference_with_the_point_behind_it() -> None:
    team = leaning_answers("it_led")
    answers = dict(team)
    contrarian = PULSE[2]
    answers[contrarian.id] = leaning_to(contrarian, "dedicated")
    comparison = compare(answers, results(everyone(pulse_only(team))), INDEX)

    assert ids_of(comparison) == [contrarian.id]
    difference = comparison.differences[0]
    assert difference.comparison.share_like_you == 0.0
    assert difference.comparison.distance == 1.0
    assert difference.toward is not None
    assert difference.toward.id == "dedicated"
    assert difference.point is not None
    assert "dedicated" in difference.point.models
    assert "it_led" not in difference.point.models  # the case for the difference, not the team's
    # The point behind the answer, as the summary finds it: the question's or its dimension's.
    assert difference.point in INDEX.behind(contrarian)


def test_a_half_agreeing_answer_is_nearer_than_a_wholly_different_one() -> None:
    """ "Some of each" half shares the platform answer's models; "new value" shares none."""
    mandate = KNOWLEDGE.question("mandate")
    assert mandate is not None
    team = results(everyone({"mandate": "platform"}))
    near = compare({"mandate": "some_of_each"}, team, INDEX).questions[0]
    far = compare({"mandate": "new_value"}, team, INDEX).questions[0]

    assert near.share_like_you == far.share_like_you == 0.0
    assert far.distance == 1.0
    assert near.distance is not None
    assert 0.0 < near.distance < far.distance


def test_three_differences_when_three_differ_markedly() -> None:
    team = pulse_only(leaning_answers("it_led"))
    answers = pulse_only(leaning_answers("business_led"))
    comparison = compare(answers, results(everyone(team)), INDEX)

    assert len(comparison.differences) == 3
    distances = [d.comparison.distance for d in comparison.differences]
    assert all(d is not None and d >= MARKED_DISTANCE for d in distances)
    # Every question is as far (1.0): ties keep the survey's order.
    assert ids_of(comparison) == [q.id for q in PULSE[:3]]
    points = [d.point for d in comparison.differences]
    assert None not in points
    assert len(set(points)) == 3  # a point once


def test_two_differences_when_fewer_than_three_differ_markedly() -> None:
    """Every question differs a little (a third of the team chose otherwise): two are shown."""
    it_led, business = leaning_answers("it_led"), leaning_answers("business_led")
    counts = {q.id: {it_led[q.id]: 4, business[q.id]: 2} for q in PULSE}
    comparison = compare(it_led, results(counts), INDEX)

    assert all(item.distance is not None for item in comparison.questions)
    assert all(0 < (item.distance or 0) < MARKED_DISTANCE for item in comparison.questions)
    assert ids_of(comparison) == [q.id for q in PULSE[:2]]


def test_the_furthest_answers_come_first() -> None:
    it_led = pulse_only(leaning_answers("it_led"))
    answers = dict(it_led)
    answers[PULSE[0].id] = leaning_to(PULSE[0], "shared")  # half agrees with IT-led
    answers[PULSE[4].id] = leaning_to(PULSE[4], "dedicated")  # shares nothing
    comparison = compare(answers, results(everyone(it_led)), INDEX)

    assert ids_of(comparison) == [PULSE[4].id, PULSE[0].id]


def test_skipped_questions_are_shown_but_never_a_difference() -> None:
    team = pulse_only(leaning_answers("it_led"))
    answers: Answers = {q.id: leaning_to(q, "dedicated") for q in PULSE}
    answers[PULSE[0].id] = None  # skipped
    del answers[PULSE[1].id]  # never reached
    answers[PULSE[2].id] = "no-such-option"  # an option the knowledge no longer has
    comparison = compare(answers, results(everyone(team)), INDEX)

    for item in comparison.questions[:3]:
        assert (item.yours, item.share_like_you, item.distance) == (None, None, None)
    assert ids_of(comparison) == [PULSE[3].id, PULSE[4].id]
    assert comparison.your_model is not None
    assert comparison.your_model.id == "dedicated"


def test_nobody_in_the_team_answered_a_question() -> None:
    team = pulse_only(leaning_answers("it_led"))
    counts = everyone(team)
    counts[PULSE[0].id] = {}
    comparison = compare(leaning_answers("dedicated"), results(counts), INDEX)

    first = comparison.questions[0]
    assert first.yours is not None
    assert (first.share_like_you, first.distance) == (None, None)
    assert PULSE[0].id not in ids_of(comparison)


def test_questions_dropped_from_the_knowledge_are_left_out() -> None:
    """The survey snapshotted five questions; today's knowledge lost one, and one option."""
    dropped, trimmed = PULSE[1], PULSE[3]
    gone = trimmed.options[0]
    smaller = trimmed.model_copy(update={"options": trimmed.options[1:]})
    questions = tuple(
        smaller if q.id == trimmed.id else q for q in KNOWLEDGE.questions if q.id != dropped.id
    )
    knowledge = dataclasses.replace(KNOWLEDGE, questions=questions)
    question_ids = [q.id for q in PULSE]
    counts = everyone({q.id: leaning_to(q, "it_led") for q in PULSE})
    team = pulse_results(6, counts, question_ids, knowledge, THRESHOLD)
    answers: Answers = {q.id: leaning_to(q, "business_led") for q in PULSE}
    answers[trimmed.id] = gone.id

    comparison = compare(answers, team, KnowledgeIndex(knowledge))

    assert team.dropped_questions == 1
    assert [item.question.id for item in comparison.questions] == [
        q.id for q in PULSE if q.id != dropped.id
    ]
    by_id = {item.question.id: item for item in comparison.questions}
    assert by_id[trimmed.id].yours is None
    assert dropped.id not in ids_of(comparison)
    assert trimmed.id not in ids_of(comparison)


def test_results_below_the_threshold_cannot_be_compared() -> None:
    hidden = results(everyone(pulse_only(leaning_answers("it_led"))), respondents=4)

    assert not hidden.visible
    with pytest.raises(ValueError, match="threshold"):
        compare(leaning_answers("it_led"), hidden, INDEX)


# --- the scores -------------------------------------------------------------------------------


def test_scores_are_shares_of_each_sides_own_total_team_best_first() -> None:
    it_led, shared = leaning_answers("it_led"), leaning_answers("shared")
    counts = {q.id: {it_led[q.id]: 4, shared[q.id]: 3} for q in PULSE}
    team = results(counts, respondents=7)
    comparison = compare(leaning_answers("dedicated"), team, INDEX)

    assert [pair.model.id for pair in comparison.scores] == [m.id for m, _ in team.shares]
    assert sorted(pair.model.id for pair in comparison.scores) == sorted(KNOWLEDGE.model_ids)
    assert math.isclose(sum(pair.yours for pair in comparison.scores), 1.0)
    assert math.isclose(sum(pair.team for pair in comparison.scores), 1.0)
    assert [pair.team for pair in comparison.scores] == [share for _, share in team.shares]
    assert comparison.team_model == team.recommended
    assert not comparison.same_model


def test_you_are_scored_on_the_pulse_questions_and_your_diagnostic_apart() -> None:
    """Like with like: only your answers to the team's questions count toward your scores.
    Every other question leans dedicated here, so the diagnostic as a whole says dedicated."""
    answers: Answers = dict(leaning_answers("dedicated"))
    answers.update(pulse_only(leaning_answers("business_led")))
    team = results(everyone(pulse_only(leaning_answers("it_led"))))
    comparison = compare(answers, team, INDEX)

    on_pulse = score(pulse_only(answers), KNOWLEDGE)
    assert {p.model.id: p.yours for p in comparison.scores} == pytest.approx(on_pulse.shares)
    assert comparison.your_model is not None
    assert comparison.your_model.id == "business_led"
    summary = build_summary(answers, INDEX, NOW)
    assert comparison.diagnostic_model is not None
    assert comparison.diagnostic_model.id == summary.recommended.id == "dedicated"


def test_no_pulse_answer_means_no_model_of_yours() -> None:
    answers = {q.id: leaning_to(q, "dedicated") for q in KNOWLEDGE.questions if not q.pulse}
    team = results(everyone(pulse_only(leaning_answers("it_led"))))
    comparison = compare(answers, team, INDEX)

    assert comparison.your_model is None
    assert not comparison.same_model
    assert all(pair.yours == 0.0 for pair in comparison.scores)
    assert comparison.differences == ()
    assert comparison.diagnostic_model is not None


# --- nothing about anyone beyond the results --------------------------------------------------


def numbers(value: object) -> list[int | float]:
    """Every number in a value of dataclasses and tuples (knowledge entries are not answers)."""
    if isinstance(value, bool | Entry | Knowledge | str) or value is None:
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, tuple):
        return [n for item in value for n in numbers(item)]
    if dataclasses.is_dataclass(value):
        return [n for f in dataclasses.fields(value) for n in numbers(getattr(value, f.name))]
    raise AssertionError(f"unexpected {type(value).__name__} in a comparison")


def question_results(value: object) -> list[QuestionResult]:
    if isinstance(value, QuestionResult):
        return [value]
    if isinstance(value, tuple):
        return [r for item in value for r in question_results(item)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            r for f in dataclasses.fields(value) for r in question_results(getattr(value, f.name))
        ]
    return []


tallies = st.fixed_dictionaries(
    {
        q.id: st.dictionaries(st.sampled_from([o.id for o in q.options]), st.integers(0, 9))
        for q in PULSE
    }
)
people = st.fixed_dictionaries(
    {},
    optional={
        q.id: st.one_of(st.none(), st.just("gone"), st.sampled_from([o.id for o in q.options]))
        for q in KNOWLEDGE.questions
    },
)


@settings(max_examples=60, deadline=None)
@given(counts=tallies, answers=people, extra=st.integers(0, 20))
def test_the_comparison_shows_no_count_the_results_do_not(
    counts: Counts, answers: Answers, extra: int
) -> None:
    team = results(counts, respondents=THRESHOLD + extra)
    comparison = compare(answers, team, INDEX)

    # The team's side is the results' own values, untouched.
    assert all(
        any(found is mine for mine in team.questions) for found in question_results(comparison)
    )
    # Apart from those, every whole number is one the results already show, and every team
    # share is the results' own.
    shown = set(numbers(team))
    assert all(n in shown for n in numbers(comparison) if isinstance(n, int))
    for item in comparison.questions:
        if item.share_like_you is not None:
            assert item.share_like_you in [o.share for o in item.team.options]
        if item.distance is not None:
            assert 0.0 <= item.distance <= 1.0 + 1e-9
    team_shares = {m.id: s for m, s in team.shares}
    assert all(p.team == team_shares.get(p.model.id, 0.0) for p in comparison.scores)
    # Differences are answered questions only, each once, two or three at most.
    assert len(comparison.differences) <= 3
    assert all(d.comparison.yours is not None for d in comparison.differences)
    assert len({d.comparison.question.id for d in comparison.differences}) == len(
        comparison.differences
    )
