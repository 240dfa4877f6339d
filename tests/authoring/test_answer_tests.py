"""`advisor knowledge test`: the shipped answer tests and the runner on files with mistakes."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from bot.authoring.answer_tests import (
    BUNDLED_ANSWERS,
    KINDS,
    Thresholds,
    answer_test_command,
    default_answers_file,
    read_cases,
    run_answer_tests,
)
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.knowledge.loader import knowledge_files

BUNDLED = default_knowledge_dir()
REPO = Path(__file__).resolve().parents[2]
# The shipped file's accuracy when it was written (44 of 54). A floor, not a target: an edit
# to the knowledge or the matcher that drops below it should be a conscious decision.
BUNDLED_FLOOR = 75.0


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(BUNDLED)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped file ---------------------------------------------------------------------------


def test_the_bundled_answers_run_cleanly(knowledge: Knowledge) -> None:
    path = default_answers_file(BUNDLED)
    report = run_answer_tests(path, knowledge)
    assert report.problems == ()
    assert report.accuracy >= BUNDLED_FLOOR
    output = answer_test_command(path, knowledge)
    assert output.code == 0
    assert output.stderr == ()
    assert output.stdout[-1].startswith(f"{path}: {report.correct} of {len(report.results)}")


def test_the_bundled_answers_cover_every_question(knowledge: Knowledge) -> None:
    cases, problems = read_cases(default_answers_file(BUNDLED))
    assert problems == []
    per_question = Counter(case.question for case in cases)
    assert {q.id: per_question[q.id] >= 3 for q in knowledge.questions} == {
        q.id: True for q in knowledge.questions
    }


def test_the_bundled_answers_are_not_read_as_knowledge_and_ship_in_the_wheel() -> None:
    path = default_answers_file(BUNDLED)
    assert path.is_file()
    assert path not in knowledge_files(BUNDLED)
    # The wheel carries the knowledge folder whole, so the file is at the same relative place.
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    force_include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include["knowledge"] == "bot/bundled_knowledge"
    assert path == BUNDLED / BUNDLED_ANSWERS


# --- results --------------------------------------------------------------------------------


CASES = """\
- question: mandate
  answer: "new revenue and a competitive edge"
  expected: new_value
- question: mandate
  answer: "new revenue and a competitive edge"
  expected: platform
  note: a deliberately wrong expectation
- question: mandate
  answer: "purple"
  expected: null
- question: mandate
  answer: 2
  expected: pain_points
- question: mandate
  answer: "skip"
  expected: pain_points
"""


def test_misses_are_listed_with_their_scores(tmp_path: Path, knowledge: Knowledge) -> None:
    path = write(tmp_path, CASES)
    report = run_answer_tests(path, knowledge)
    assert (report.correct, len(report.results), report.wrong) == (3, 5, 1)
    assert report.accuracy == pytest.approx(60.0)
    output = answer_test_command(path, knowledge)
    assert output.code == 0
    assert output.stdout == (
        f'{path}:4: miss: mandate: "new revenue and a competitive edge"',
        "    expected: platform",
        "    got:      new_value",
        output.stdout[3],
        f'{path}:14: miss: mandate: "skip"',
        "    expected: pain_points",
        "    got:      not an answer: read as the `skip` command",
        f"{path}: 3 of 5 answers understood as expected (60.0%): 1 wrong choice(s), "
        f"1 asked back; knowledge version {knowledge.version}",
    )
    assert output.stdout[3].startswith("    scores:   new_value ")


def test_asked_back_and_by_position_are_described(tmp_path: Path, knowledge: Knowledge) -> None:
    path = write(
        tmp_path,
        '- question: mandate\n  answer: "purple"\n  expected: platform\n'
        '- question: mandate\n  answer: "the third one"\n  expected: platform\n',
    )
    lines = answer_test_command(path, knowledge).stdout
    assert "    got:      asked back with every option (nothing came close)" in lines
    assert "    got:      new_value (by position)" in lines


@pytest.mark.parametrize(("fail_under", "code"), [(None, 0), (0, 0), (60, 0), (60.1, 1), (100, 1)])
def test_fail_under(tmp_path: Path, knowledge: Knowledge, fail_under: float, code: int) -> None:
    output = answer_test_command(write(tmp_path, CASES), knowledge, Thresholds(fail_under))
    assert output.code == code
    assert ("below --fail-under" in output.stdout[-1]) is bool(code)


@pytest.mark.parametrize("fail_under", [-1, 100.5])
def test_fail_under_must_be_a_percentage(
    tmp_path: Path, knowledge: Knowledge, fail_under: float
) -> None:
    with pytest.raises(ValueError, match="percentage"):
        answer_test_command(write(tmp_path, CASES), knowledge, Thresholds(fail_under))


# --- mistakes in the file -------------------------------------------------------------------


def problems(tmp_path: Path, knowledge: Knowledge, text: str) -> list[str]:
    path = write(tmp_path, text)
    output = answer_test_command(path, knowledge)
    assert output.code == 1
    assert output.stderr[0].startswith("the answer test file has")
    return [line.removeprefix(f"{path}:") for line in output.stderr[1:]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('- question: mandate\n  answer: "open quote\n', ["3: YAML syntax"]),
        ("mandate: platform\n", ["1: expected a list of answers"]),
        ("", ["1: expected a list of answers"]),
        ("- just text\n", ["1: each answer must be a mapping"]),
        ("- question: mandate\n  answer: hi\n", ["1: missing field 'expected'"]),
        (
            "- question: mandate\n  answer: x\n  expect: platform\n",
            ["1: missing field 'expected'", "3: unknown field 'expect'"],
        ),
        (
            "- question: mandate\n  answer: yes\n  expected: platform\n",
            ["2: 'answer' must be text (quote it"],
        ),
        (
            "- question: mandate\n  question: culture\n  answer: x\n  expected: null\n",
            ["2: duplicate key 'question'"],
        ),
        (
            "- question: mandat\n  answer: x\n  expected: null\n",
            ["1: unknown question 'mandat' (the questions are: mandate, "],
        ),
        (
            "- question: mandate\n  answer: x\n  expected: platfrom\n",
            ["1: question 'mandate' has no option 'platfrom' (its options are: platform, "],
        ),
    ],
)
def test_mistakes_name_their_line(
    tmp_path: Path, knowledge: Knowledge, text: str, expected: list[str]
) -> None:
    found = problems(tmp_path, knowledge, text)
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), found


def test_unknown_ids_are_errors_not_misses_and_the_rest_still_runs(
    tmp_path: Path, knowledge: Knowledge
) -> None:
    path = write(
        tmp_path,
        "- question: mandate\n  answer: growth\n  expected: new_value\n"
        "- question: mandate\n  answer: growth\n  expected: gone\n",
    )
    report = run_answer_tests(path, knowledge)
    assert [p.line for p in report.problems] == [4]
    assert (report.correct, len(report.results)) == (1, 1)
    output = answer_test_command(path, knowledge)
    assert output.code == 1
    assert "1 of 1 answers understood" in output.stdout[-1]


def test_a_missing_file(tmp_path: Path, knowledge: Knowledge) -> None:
    output = answer_test_command(tmp_path / "nope.yml", knowledge)
    assert output.code == 1
    assert output.stderr[1].startswith(f"{tmp_path / 'nope.yml'}:1: cannot read the file")


def test_not_utf8(tmp_path: Path, knowledge: Knowledge) -> None:
    path = tmp_path / "answers.yml"
    path.write_bytes(b"- question: mandate\n  answer: \xff\n  expected: null\n")
    (problem,) = run_answer_tests(path, knowledge).problems
    assert (problem.line, problem.message) == (2, "not UTF-8 text (byte 31)")


# --- kinds ---------------------------------------------------------------------------------

KINDED = """\
- question: mandate
  kind: paraphrase
  answer: "new revenue and a competitive edge"
  expected: new_value
- question: mandate
  kind: paraphrase
  answer: "new revenue and a competitive edge"
  expected: platform
- question: mandate
  kind: ordinal
  answer: "the third one"
  expected: new_value
- question: mandate
  kind: question
  answer: "what does at scale mean?"
  expected: null
"""


def test_figures_by_kind(tmp_path: Path, knowledge: Knowledge) -> None:
    report = run_answer_tests(write(tmp_path, KINDED), knowledge)
    figures = {kind.kind: kind for kind in report.by_kind()}
    assert list(figures) == ["paraphrase", "ordinal", "question"]  # in the order of KINDS
    assert (figures["paraphrase"].total, figures["paraphrase"].correct) == (2, 1)
    assert figures["paraphrase"].wrong == 1
    assert figures["question"].accuracy == 100.0
    table = answer_test_command(write(tmp_path, KINDED), knowledge).stdout
    assert table[-5].split() == ["kind", "answers", "understood", "wrong", "asked", "back"]
    assert table[-4].split() == ["paraphrase", "2", "50.0%", "1", "0"]


@pytest.mark.parametrize(
    ("thresholds", "code", "says"),
    [
        (Thresholds(fail_under_kind=50), 0, ""),
        (Thresholds(fail_under_kind=50.1), 1, "paraphrase below --fail-under-kind 50.1%"),
        (Thresholds(max_wrong=25), 0, ""),
        (Thresholds(max_wrong=24.9), 1, "25.0% wrong choices, above --max-wrong 24.9%"),
    ],
)
def test_kind_and_wrong_thresholds(
    tmp_path: Path, knowledge: Knowledge, thresholds: Thresholds, code: int, says: str
) -> None:
    output = answer_test_command(write(tmp_path, KINDED), knowledge, thresholds)
    assert output.code == code
    assert says in output.stdout[-1]


def test_an_unknown_kind_is_a_problem_with_its_line(tmp_path: Path, knowledge: Knowledge) -> None:
    text = KINDED.replace("kind: ordinal", "kind: ordnial")
    output = answer_test_command(write(tmp_path, text), knowledge)
    assert output.code == 1
    assert any(":10: unknown kind 'ordnial'" in line for line in output.stderr)


def test_the_blind_sets_are_split_and_cover_every_kind_and_question(knowledge: Knowledge) -> None:
    folder = BUNDLED / "tests"
    seen: set[tuple[str, str]] = set()
    total = 0
    for name in ("answers_dev.yml", "answers_test.yml"):
        cases, problems = read_cases(folder / name)
        assert problems == []
        # "2" or "b" may be written twice; any other answer is in one part only.
        texts = {(case.question, case.answer) for case in cases if case.kind != "ordinal"}
        assert not texts & seen, "an answer is in both parts"
        seen |= texts
        total += len(cases)
        assert {case.kind for case in cases} == set(KINDS)
    assert total >= 400
    for question in knowledge.questions:
        every = [
            case
            for name in ("answers_dev.yml", "answers_test.yml")
            for case in read_cases(folder / name)[0]
            if case.question == question.id
        ]
        assert len(every) >= 30, question.id


def test_no_held_out_answer_is_learnt(knowledge: Knowledge) -> None:
    """The held-out sets say how unseen answers fare only while the matcher never learns from
    them: none of their answers may be an example answer, an example, or chatter."""
    folder = BUNDLED / "tests"
    learnt = {text.casefold() for text in knowledge.chatter}
    for question in knowledge.questions:
        for option in question.options:
            learnt.update(text.casefold() for text in option.examples)
        for texts in knowledge.example_answers(question.id).values():
            learnt.update(text.casefold() for text in texts)
    eval_chatter = (folder / "not_answers_eval.txt").read_text(encoding="utf-8").splitlines()
    held_out = [
        case.answer
        for name in ("answers_test.yml", "answers_holdout.yml")
        for case in read_cases(folder / name)[0]
        if case.kind != "ordinal"
    ]
    assert len(held_out) > 500
    leaked = [text for text in [*held_out, *eval_chatter] if text.strip().casefold() in learnt]
    assert leaked == []


def test_the_bundled_answer_files_name_themselves_rightly() -> None:
    for path in (BUNDLED / "tests").glob("answers*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "advisor knowledge test " in line:
                named = line.split("advisor knowledge test ", 1)[1].split()[0]
                assert (BUNDLED.parent / named).is_file(), f"{path.name} names {named}"
