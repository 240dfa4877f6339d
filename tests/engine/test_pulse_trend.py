"""The trend of a recurring pulse: every round's numbers as its own results give them, the
change since the last round that met its threshold, and nothing at all of a round below it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.pulse import pulse_results
from bot.engine.pulse_trend import RoundTally, pulse_trend, trend_rows
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.knowledge.model import Question

Counts = dict[str, dict[str, int]]

# Hypothesis tests cannot take function-scoped fixtures; the knowledge is immutable anyway.
KNOWLEDGE = load_knowledge(default_knowledge_dir())
QUESTIONS = tuple(question.id for question in KNOWLEDGE.pulse_questions)
FIRST_CLOSE = datetime(2026, 1, 2, 17, 0, tzinfo=UTC)
THRESHOLD = 5


def leaning_to(question: Question, model_id: str) -> str:
    """The option of `question` that weighs `model_id` most."""
    return max(question.options, key=lambda o: o.weights.get(model_id, 0)).id


def team(**people: int) -> Counts:
    """Counts of a team where `people[model]` people answer every pulse question the way that
    leans most to `model`."""
    counts: Counts = {}
    for question in KNOWLEDGE.pulse_questions:
        chosen = counts.setdefault(question.id, {})
        for model_id, n in people.items():
            option_id = leaning_to(question, model_id)
            chosen[option_id] = chosen.get(option_id, 0) + n
    return counts


def round_of(
    number: int,
    counts: Counts,
    respondents: int | None = None,
    question_ids: tuple[str, ...] = QUESTIONS,
) -> RoundTally:
    """A round whose respondents default to the people in its counts (each answers once)."""
    if respondents is None:
        respondents = max((sum(chosen.values()) for chosen in counts.values()), default=0)
    closed = FIRST_CLOSE + timedelta(weeks=2 * (number - 1))
    return RoundTally(number, closed, respondents, THRESHOLD, counts, question_ids)


def unmet(number: int, counts: Counts | None = None) -> RoundTally:
    return round_of(number, counts or team(it_led=3), respondents=THRESHOLD - 1)


# --- points ---------------------------------------------------------------------------------


def test_every_round_is_a_point_oldest_first_whatever_the_order_given() -> None:
    rounds = [round_of(3, team(it_led=9)), unmet(1), round_of(2, team(business_led=7))]
    trend = pulse_trend(rounds, KNOWLEDGE)
    assert [point.number for point in trend.points] == [1, 2, 3]
    assert [point.met for point in trend.points] == [False, True, True]
    assert trend.current == trend.points[-1]
    assert trend.models == KNOWLEDGE.models


def test_a_met_round_shows_exactly_its_own_results_numbers() -> None:
    tally = round_of(1, team(it_led=6, shared=4, dedicated=1))
    point = pulse_trend([tally], KNOWLEDGE).current
    results = pulse_results(tally.respondents, tally.counts, QUESTIONS, KNOWLEDGE, THRESHOLD)
    assert point.shares == results.shares
    assert point.recommended == results.recommended
    assert point.respondents == results.respondents
    assert point.closed_at == tally.closed_at
    for model, share in results.shares:
        assert point.share(model.id) == share


def test_a_round_below_its_threshold_has_only_its_respondents_and_threshold() -> None:
    point = pulse_trend([unmet(1, team(it_led=4))], KNOWLEDGE).current
    assert not point.met
    assert (point.respondents, point.threshold) == (THRESHOLD - 1, THRESHOLD)
    assert point.shares == ()
    assert point.recommended is None
    assert all(point.share(model.id) is None for model in KNOWLEDGE.models)


# --- what changed ---------------------------------------------------------------------------


def test_the_change_is_since_the_last_met_round_skipping_the_ones_below_threshold() -> None:
    first, last = round_of(1, team(it_led=8, business_led=2)), round_of(4, team(business_led=9))
    rounds = [first, unmet(2), unmet(3, team(shared=4)), last]
    trend = pulse_trend(rounds, KNOWLEDGE)
    assert trend.previous is not None
    assert trend.previous.number == 1
    assert trend.current.number == 4
    then = pulse_results(10, first.counts, QUESTIONS, KNOWLEDGE, THRESHOLD).shares
    before = {model.id: share for model, share in then}
    now = pulse_results(9, last.counts, QUESTIONS, KNOWLEDGE, THRESHOLD).shares
    assert [(c.model, c.before, c.now) for c in trend.scores] == [
        (model, before[model.id], share) for model, share in now
    ]
    assert trend.questions  # every pulse question moved from it-led to business-led answers
    assert all(change.top_before != change.top_now for change in trend.questions)


def test_an_unmet_current_round_has_a_previous_but_no_changes() -> None:
    trend = pulse_trend([round_of(1, team(it_led=6)), unmet(2)], KNOWLEDGE)
    assert trend.current.number == 2
    assert trend.previous is not None
    assert trend.previous.number == 1
    assert trend.scores == ()
    assert trend.questions == ()


def test_the_first_round_has_no_previous_and_no_changes() -> None:
    trend = pulse_trend([round_of(1, team(it_led=6))], KNOWLEDGE)
    assert trend.previous is None
    assert (trend.scores, trend.questions) == ((), ())


def test_earlier_rounds_all_below_threshold_leave_no_previous() -> None:
    trend = pulse_trend([unmet(1), unmet(2), round_of(3, team(it_led=6))], KNOWLEDGE)
    assert trend.previous is None
    assert (trend.scores, trend.questions) == ((), ())


def test_questions_are_those_both_rounds_asked_that_the_knowledge_still_has() -> None:
    dropped, only_now = QUESTIONS[0], QUESTIONS[1]
    knowledge = dataclasses.replace(
        KNOWLEDGE, questions=tuple(q for q in KNOWLEDGE.questions if q.id != dropped)
    )
    before = round_of(1, team(it_led=6), question_ids=tuple(q for q in QUESTIONS if q != only_now))
    now = round_of(2, team(business_led=6))
    trend = pulse_trend([before, now], knowledge)
    assert {change.question.id for change in trend.questions} == set(QUESTIONS) - {
        dropped,
        only_now,
    }


def test_a_question_nobody_answered_in_one_round_is_left_out() -> None:
    silent = QUESTIONS[0]
    before = team(it_led=6)
    before[silent] = {}
    trend = pulse_trend([round_of(1, before), round_of(2, team(business_led=6))], KNOWLEDGE)
    assert trend.questions
    assert silent not in {change.question.id for change in trend.questions}


def test_options_keep_the_knowledge_order_and_questions_the_biggest_move_first() -> None:
    before = team(it_led=5, business_led=5)
    now = team(it_led=5, business_led=5)
    moved = QUESTIONS[2]
    now[moved] = {leaning_to(KNOWLEDGE.pulse_questions[2], "dedicated"): 10}
    trend = pulse_trend([round_of(1, before), round_of(2, now)], KNOWLEDGE)
    assert trend.questions[0].question.id == moved
    assert [c.moved for c in trend.questions] == sorted(
        (c.moved for c in trend.questions), reverse=True
    )
    for change in trend.questions:
        assert [o.option for o in change.options] == list(change.question.options)
        assert change.moved == max(abs(o.now - o.before) for o in change.options)
        assert sum(o.before for o in change.options) == pytest.approx(1)
        assert sum(o.now for o in change.options) == pytest.approx(1)
    first = trend.questions[0]
    assert first.top_now is not None
    assert first.top_now.id == now[moved].popitem()[0]
    assert first.top_before is None  # half and half: no single team answer


def test_scores_follow_the_current_rounds_order() -> None:
    trend = pulse_trend(
        [round_of(1, team(it_led=7, shared=1)), round_of(2, team(dedicated=7, shared=1))],
        KNOWLEDGE,
    )
    assert [change.model for change in trend.scores] == [m for m, _ in trend.current.shares]


@pytest.mark.parametrize(
    ("rounds", "message"),
    [
        ([], "at least one round"),
        ([round_of(1, team(it_led=6)), round_of(1, team(shared=6))], "repeat"),
        (
            [dataclasses.replace(round_of(1, team(it_led=6)), closed_at=datetime(2026, 1, 2))],
            "naive",
        ),
        ([dataclasses.replace(round_of(1, team(it_led=6)), threshold=0)], "impossible"),
    ],
)
def test_impossible_rounds_are_refused(rounds: list[RoundTally], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pulse_trend(rounds, KNOWLEDGE)


# --- CSV rows -------------------------------------------------------------------------------


def test_rows_have_a_header_and_one_row_per_round_with_empty_cells_below_threshold() -> None:
    trend = pulse_trend([round_of(1, team(it_led=6)), unmet(2)], KNOWLEDGE)
    header, met_row, unmet_row = trend_rows(trend)
    shares = [f"share_{model.id}" for model in KNOWLEDGE.models]
    assert header == ["round", "closed", "respondents", "threshold", "met", *shares, "recommended"]
    by_model = {model.id: share for model, share in trend.points[0].shares}
    assert met_row == [
        "1",
        "2026-01-02",
        "6",
        str(THRESHOLD),
        "yes",
        *(f"{by_model[model.id]:.3f}" for model in KNOWLEDGE.models),
        "it_led",
    ]
    empty = [""] * (len(KNOWLEDGE.models) + 1)
    assert unmet_row == ["2", "2026-01-16", str(THRESHOLD - 1), str(THRESHOLD), "no", *empty]


def test_no_cell_reads_as_a_spreadsheet_formula() -> None:
    trend = pulse_trend([round_of(1, team(it_led=6)), unmet(2)], KNOWLEDGE)
    cells = [cell for row in trend_rows(trend) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


# Counts far from any respondents, threshold, round number or date a row holds, so that a
# count found in a row could only have leaked from the tally.
big_counts = st.fixed_dictionaries(
    {
        question.id: st.fixed_dictionaries(
            {option.id: st.integers(1_000_000, 9_999_999) for option in question.options}
        )
        for question in KNOWLEDGE.pulse_questions
    }
)


@settings(max_examples=50, deadline=None)
@given(
    counts=big_counts,
    threshold=st.integers(1, 50),
    below=st.integers(1, 50),
    position=st.integers(0, 2),
)
def test_a_round_below_threshold_leaks_none_of_its_counts(
    counts: Counts, threshold: int, below: int, position: int
) -> None:
    """Wherever the round stands (first, between, newest), the whole trend is the same as if
    its tally were empty, and none of its counts appears in its row."""
    respondents = max(threshold - below, 0)
    hidden = RoundTally(position + 1, FIRST_CLOSE, respondents, threshold, counts, QUESTIONS)
    others = [round_of(n, team(it_led=n + 5, shared=3)) for n in range(1, 4) if n != position + 1]
    trend = pulse_trend([*others, hidden], KNOWLEDGE)
    blank = pulse_trend([*others, dataclasses.replace(hidden, counts={})], KNOWLEDGE)
    assert trend == blank
    point = trend.points[position]
    assert (point.shares, point.recommended) == ((), None)
    row = trend_rows(trend)[1 + position]
    text = ",".join(row) + repr(point)
    for chosen in counts.values():
        for n in chosen.values():
            assert str(n) not in text
