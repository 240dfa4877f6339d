"""The team pulse: checking a response, scoring counts, the anonymity threshold, splits and the
CSV export. All against the bundled knowledge, whose pulse has five questions."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import thresholds as t
from bot.engine.pulse import (
    PulseAnswerError,
    PulseResults,
    check_answers,
    pulse_questions,
    pulse_results,
    results_csv,
)
from bot.engine.replies import Clarity
from bot.engine.scoring import score, score_counts
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.knowledge.model import Question

Counts = dict[str, dict[str, int]]

# Hypothesis tests cannot take function-scoped fixtures; the knowledge is immutable anyway.
KNOWLEDGE = load_knowledge(default_knowledge_dir())


def ids(knowledge: Knowledge) -> list[str]:
    return [question.id for question in knowledge.pulse_questions]


def leaning_to(question: Question, model_id: str) -> str:
    """The option of `question` that weighs `model_id` most."""
    return max(question.options, key=lambda o: o.weights.get(model_id, 0)).id


def team(knowledge: Knowledge, **people: int) -> Counts:
    """Counts of a team where `people[model]` people answer every pulse question the way that
    leans most to `model`."""
    counts: Counts = {}
    for question in knowledge.pulse_questions:
        chosen = counts.setdefault(question.id, {})
        for model_id, n in people.items():
            option_id = leaning_to(question, model_id)
            chosen[option_id] = chosen.get(option_id, 0) + n
    return counts


def replace_question(knowledge: Knowledge, question: Question) -> Knowledge:
    questions = tuple(question if q.id == question.id else q for q in knowledge.questions)
    return dataclasses.replace(knowledge, questions=questions)


# --- check_answers ---------------------------------------------------------------------------


def full_answers(knowledge: Knowledge) -> dict[str, str]:
    return {q.id: q.options[0].id for q in knowledge.pulse_questions}


def test_a_complete_response_comes_back_in_question_order(knowledge: Knowledge) -> None:
    answers = full_answers(knowledge)
    checked = check_answers(dict(reversed(answers.items())), knowledge.pulse_questions)
    assert checked == answers
    assert list(checked) == ids(knowledge)


@pytest.mark.parametrize("given_answer", [None, ""])
def test_an_unanswered_question_is_named_by_its_prompt(
    knowledge: Knowledge, given_answer: str | None
) -> None:
    questions = knowledge.pulse_questions
    answers = full_answers(knowledge)
    if given_answer is None:
        del answers[questions[1].id]
    else:
        answers[questions[1].id] = given_answer
    with pytest.raises(PulseAnswerError) as caught:
        check_answers(answers, questions)
    assert questions[1].prompt in str(caught.value)
    assert "answer" in str(caught.value).lower()
    assert set(caught.value.problems) == {questions[1].id}


def test_every_problem_is_listed(knowledge: Knowledge) -> None:
    questions = knowledge.pulse_questions
    answers = {questions[0].id: "no_such_option"}
    with pytest.raises(PulseAnswerError) as caught:
        check_answers(answers, questions)
    assert set(caught.value.problems) == set(ids(knowledge))
    assert "choose one of the listed answers" in caught.value.problems[questions[0].id]
    for question in questions:
        assert question.prompt in str(caught.value)


def test_an_answer_to_another_question_is_refused(knowledge: Knowledge) -> None:
    answers = {**full_answers(knowledge), "ai_maturity": "not_started"}
    with pytest.raises(PulseAnswerError, match="open the survey again"):
        check_answers(answers, knowledge.pulse_questions)


def test_answer_errors_are_value_errors() -> None:
    assert issubclass(PulseAnswerError, ValueError)


# --- the survey's questions ------------------------------------------------------------------


def test_survey_questions_keep_their_order_and_drop_removed_ones(knowledge: Knowledge) -> None:
    questions = pulse_questions(["culture", "gone", "mandate", "culture"], knowledge)
    assert [q.id for q in questions] == ["culture", "mandate"]


# --- scoring counts --------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", ["it_led", "business_led", "dedicated", "shared"])
def test_a_unanimous_team_gets_its_model_clearly(knowledge: Knowledge, model_id: str) -> None:
    scoring = score_counts(team(knowledge, **{model_id: 9}), knowledge)
    assert scoring.recommended == model_id
    assert scoring.clarity is Clarity.CLEAR
    assert not scoring.mixed


def test_a_team_split_between_it_and_business_gets_the_shared_model(
    knowledge: Knowledge,
) -> None:
    scoring = score_counts(team(knowledge, it_led=6, business_led=6), knowledge)
    assert scoring.clarity is Clarity.CLOSE_CALL
    assert scoring.mixed
    assert scoring.recommended == "shared"
    assert scoring.runner_up in {"it_led", "business_led"}


def individual(knowledge: Knowledge, model_ids: list[str]) -> dict[str, str | None]:
    """One person's answers to every question, cycling through the models' leanings."""
    return {
        q.id: leaning_to(q, model_ids[i % len(model_ids)])
        for i, q in enumerate(knowledge.questions)
    }


@pytest.mark.parametrize(
    "model_ids",
    [["it_led"], ["dedicated"], ["it_led", "business_led"], ["dedicated", "shared", "it_led"]],
)
@pytest.mark.parametrize("people", [1, 7])
def test_identical_people_score_like_one_of_them(
    knowledge: Knowledge, model_ids: list[str], people: int
) -> None:
    answers = individual(knowledge, model_ids)
    counts = {q: {o: people} for q, o in answers.items() if o}
    alone, together = score(answers, knowledge), score_counts(counts, knowledge)
    assert together.points == {m: people * p for m, p in alone.points.items()}
    assert together.shares == alone.shares
    assert together.ranking == alone.ranking
    assert (together.recommended, together.runner_up) == (alone.recommended, alone.runner_up)
    assert (together.clarity, together.mixed) == (alone.clarity, alone.mixed)
    assert together.answered == alone.answered


def test_a_team_needs_only_one_answer_to_get_a_result(knowledge: Knowledge) -> None:
    assert score_counts({}, knowledge).clarity is Clarity.INSUFFICIENT
    assert score_counts({"mandate": {"platform": 0}}, knowledge).clarity is Clarity.INSUFFICIENT
    scoring = score_counts({"mandate": {"platform": 1}}, knowledge)
    assert scoring.clarity is Clarity.CLEAR
    assert scoring.recommended == "it_led"


def test_unknown_questions_and_options_count_nowhere(knowledge: Knowledge) -> None:
    noisy = {"gone": {"x": 50}, "mandate": {"platform": 2, "gone_option": 50}}
    clean = {"mandate": {"platform": 2}}
    assert score_counts(noisy, knowledge).points == score_counts(clean, knowledge).points


def test_a_negative_count_is_a_bug_not_a_vote(knowledge: Knowledge) -> None:
    with pytest.raises(ValueError, match="negative"):
        score_counts({"mandate": {"platform": -1}}, knowledge)
    with pytest.raises(ValueError, match="negative"):
        pulse_results(5, {"mandate": {"platform": -1}}, ids(knowledge), knowledge, 3)


# --- visibility and anonymity ----------------------------------------------------------------


def test_results_appear_at_the_threshold(knowledge: Knowledge) -> None:
    counts = team(knowledge, it_led=5)
    below = pulse_results(4, counts, ids(knowledge), knowledge, threshold=5)
    at = pulse_results(5, counts, ids(knowledge), knowledge, threshold=5)
    assert not below.visible
    assert at.visible
    assert at.recommended is not None
    assert at.recommended.id == "it_led"
    assert len(at.questions) == len(knowledge.pulse_questions)


def assert_carries_nothing(results: PulseResults) -> None:
    """Every field but the head count and the threshold is empty: checked field by field, so a
    field added later is covered too."""
    assert not results.visible
    for item in dataclasses.fields(results):
        if item.name not in {"respondents", "threshold", "visible"}:
            assert not getattr(results, item.name), item.name


def test_results_below_the_threshold_carry_no_distribution(knowledge: Knowledge) -> None:
    results = pulse_results(2, team(knowledge, it_led=1, dedicated=1), ids(knowledge), knowledge, 3)
    assert_carries_nothing(results)
    assert (results.respondents, results.threshold) == (2, 3)
    assert results == PulseResults(2, 3, visible=False)
    with pytest.raises(ValueError, match="threshold"):
        results_csv(results)


@given(
    respondents=st.integers(0, 20),
    extra=st.integers(1, 20),
    counts=st.dictionaries(
        st.sampled_from([*ids(KNOWLEDGE), "gone"]),
        st.dictionaries(st.sampled_from(["platform", "it", "roi", "x"]), st.integers(0, 30)),
    ),
)
def test_nothing_leaks_below_the_threshold_whatever_the_counts(
    respondents: int, extra: int, counts: Counts
) -> None:
    threshold = respondents + extra
    assert_carries_nothing(pulse_results(respondents, counts, ids(KNOWLEDGE), KNOWLEDGE, threshold))


@pytest.mark.parametrize(("respondents", "threshold"), [(-1, 3), (3, 0)])
def test_impossible_head_counts_are_refused(
    knowledge: Knowledge, respondents: int, threshold: int
) -> None:
    with pytest.raises(ValueError, match="impossible"):
        pulse_results(respondents, {}, ids(knowledge), knowledge, threshold)


def test_visible_but_unanswered_recommends_nothing(knowledge: Knowledge) -> None:
    results = pulse_results(3, {}, ids(knowledge), knowledge, 3)
    assert results.visible
    assert results.clarity is Clarity.INSUFFICIENT
    assert (results.recommended, results.runner_up, results.shares) == (None, None, ())
    assert all(q.answered == 0 and q.top is None and not q.split for q in results.questions)


# --- per question: shares and splits ---------------------------------------------------------


def test_split_constants_are_pinned() -> None:
    assert (t.SPLIT_TOP_SHARE, t.SPLIT_SECOND_SHARE) == (0.6, 0.25)


@pytest.mark.parametrize(
    ("counts", "split"),
    [
        ([11, 5, 4, 0], True),  # top 0.55, second exactly 0.25
        ([12, 8, 0, 0], False),  # top exactly 0.6: a majority, however narrow
        ([11, 4, 4, 1], False),  # second 0.2: no camp against the top answer
        ([10, 10, 0, 0], True),  # half and half
        ([5, 5, 5, 5], True),  # all options tied at a quarter
        ([20, 0, 0, 0], False),
        ([1, 0, 0, 0], False),
        ([0, 0, 0, 0], False),  # nobody answered: nothing to split
    ],
)
def test_split_boundaries(knowledge: Knowledge, counts: list[int], split: bool) -> None:
    question = knowledge.pulse_questions[0]
    chosen = {option.id: n for option, n in zip(question.options, counts, strict=True)}
    results = pulse_results(sum(counts) or 1, {question.id: chosen}, [question.id], knowledge, 1)
    (result,) = results.questions
    assert result.split is split
    assert results.split == ((result,) if split else ())


def test_question_result_lists_every_option_with_its_share(knowledge: Knowledge) -> None:
    question = knowledge.pulse_questions[0]
    options = question.options
    counts = {question.id: {options[1].id: 3, options[2].id: 1, "gone_option": 7}}
    (result,) = pulse_results(4, counts, [question.id], knowledge, 1).questions
    assert result.question == question
    assert [item.option for item in result.options] == list(options)
    assert [item.count for item in result.options] == [0, 3, 1, 0][: len(options)]
    assert result.answered == 4  # the removed option is counted nowhere
    assert [item.share for item in result.options] == [0.0, 0.75, 0.25, 0.0][: len(options)]
    assert result.top is not None
    assert result.top.option == options[1]


def test_a_tie_at_the_top_names_no_top_answer(knowledge: Knowledge) -> None:
    question = knowledge.pulse_questions[0]
    counts = {question.id: {question.options[0].id: 2, question.options[3].id: 2}}
    (result,) = pulse_results(4, counts, [question.id], knowledge, 1).questions
    assert result.top is None
    assert result.split


def test_team_results_follow_the_team_scoring(knowledge: Knowledge) -> None:
    results = pulse_results(
        12, team(knowledge, it_led=6, business_led=6), ids(knowledge), knowledge, 5
    )
    assert results.recommended is not None
    assert results.recommended.id == "shared"
    assert results.mixed
    assert results.clarity is Clarity.CLOSE_CALL
    assert results.runner_up is not None
    assert results.runner_up.id in {"it_led", "business_led"}
    shares = [share for _, share in results.shares]
    assert shares == sorted(shares, reverse=True)
    assert abs(sum(shares) - 1.0) < 1e-9
    assert {model.id for model, _ in results.shares} == set(knowledge.model_ids)
    assert len(results.split) == len(knowledge.pulse_questions)  # half and half everywhere


def test_only_the_surveys_questions_count(knowledge: Knowledge) -> None:
    counts = {"mandate": {"platform": 3}, "ai_maturity": {"operating_model": 50}}
    results = pulse_results(3, counts, ["mandate"], knowledge, 3)
    assert results.recommended is not None
    assert results.recommended.id == "it_led"
    assert [model.id for model, share in results.shares if share] == ["it_led"]


def test_dropped_questions_are_counted_and_left_out(knowledge: Knowledge) -> None:
    survey = ["mandate", "gone", "culture", "also_gone"]
    counts = {"mandate": {"platform": 3}, "gone": {"a": 3}, "culture": {"pragmatic": 3}}
    results = pulse_results(3, counts, survey, knowledge, 3)
    assert results.dropped_questions == 2
    assert [r.question.id for r in results.questions] == ["mandate", "culture"]


# --- CSV export ------------------------------------------------------------------------------


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_holds_the_aggregate_counts(knowledge: Knowledge) -> None:
    counts = team(knowledge, it_led=3, business_led=1)
    results = pulse_results(4, counts, ids(knowledge), knowledge, 3)
    rows = parse(results_csv(results))
    header = ["question_id", "question", "dimension", "option_id", "option", "count", "share"]
    assert rows[0] == header
    option_rows = sum(len(q.options) for q in knowledge.pulse_questions)
    body, rest = rows[1 : 1 + option_rows], rows[1 + option_rows :]
    for question in knowledge.pulse_questions:
        mine = [row for row in body if row[0] == question.id]
        assert [row[3] for row in mine] == [option.id for option in question.options]
        assert {row[1] for row in mine} == {question.prompt}
        assert {row[2] for row in mine} == {question.dimension}
        assert sorted(int(row[5]) for row in mine if row[5] != "0") == [1, 3]
        assert sorted(row[6] for row in mine if row[5] != "0") == ["0.250", "0.750"]
    assert rest[0] == []
    assert rest[1] == ["model_id", "model", "share"]
    models = rest[2 : 2 + len(results.shares)]
    assert [row[0] for row in models] == [model.id for model, _ in results.shares]
    assert [row[1] for row in models] == [model.name for model, _ in results.shares]
    assert all(len(row[2]) == 5 and 0 <= float(row[2]) <= 1 for row in models)
    assert rest[2 + len(results.shares) :] == [[], ["respondents", "4", "threshold", "3"]]


def test_csv_quotes_labels_and_defuses_formulas(knowledge: Knowledge) -> None:
    question = knowledge.pulse_questions[0]
    tricky = [
        '=HYPERLINK("http://evil","click")',
        "+1+1",
        "-2, or so",
        "@SUM(A1)",
    ]
    options = tuple(
        option.model_copy(update={"label": label})
        for option, label in zip(question.options, tricky, strict=False)
    )
    prompt = 'Who, "really", decides?\nAsk around.'
    changed = question.model_copy(update={"prompt": prompt, "options": options})
    knowledge = replace_question(knowledge, changed)
    counts = {question.id: {option.id: 1 for option in options}}
    text = results_csv(pulse_results(len(options), counts, [question.id], knowledge, 1))
    rows = parse(text)
    body = rows[1 : 1 + len(options)]
    assert {row[1] for row in body} == {prompt}  # commas, quotes and newlines survive
    assert [row[4] for row in body] == ["'" + label for label in tricky[: len(options)]]
    assert all(len(row) == 7 for row in body)
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
