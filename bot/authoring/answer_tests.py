"""`advisor knowledge test FILE`: example free-text answers, run through the bot's own matcher.

A test file is a YAML list; each item is one answer as a user would type it and the option the
bot should choose for it (`expected: null`: the bot should ask back):

    - question: mandate
      kind: paraphrase
      answer: "the business should drive it"
      expected: business_leads
      note: optional, for the reader

`kind` (optional) says what the answer tries: paraphrase, long, negation, hedged, ordinal, typo,
off_topic or question (a question about the options). The report gives accuracy, wrong choices
and ask-backs per kind, and the command can fail below an overall or a per-kind accuracy, or
above a share of wrong choices, so a build can guard each of them.

Admins run it after editing labels or synonyms and before reloading, to see what the edit does
to answers people actually type. A malformed file, or an id the knowledge does not have, is an
error with its line (a renamed option must not pass for a miss of the matcher); the cases that
are fine still run, so one stale id does not hide the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.commands import asks_the_advisor, is_greeting, parse_command
from bot.engine.dialogue import MAX_TEXT
from bot.engine.index import index_for
from bot.engine.inquiry import asks_about_options
from bot.engine.matching import OptionScore
from bot.knowledge.loader import TESTS_FOLDER, Problem
from bot.knowledge.model import Knowledge
from bot.knowledge.yaml_lines import ParsedYaml, YamlSyntaxError, parse

# Where a knowledge folder keeps its answer tests: its `tests/` folder, which the loader skips.
BUNDLED_ANSWERS = Path(TESTS_FOLDER) / "answers.yml"
FIELDS = ("question", "kind", "answer", "expected", "note")
KINDS = ("paraphrase", "long", "negation", "hedged", "ordinal", "typo", "off_topic", "question")
TOP_SCORES = 3


@dataclass(frozen=True)
class AnswerCase:
    line: int
    question: str
    answer: str
    expected: str | None
    kind: str | None = None


@dataclass(frozen=True)
class KindFigures:
    """How one kind of answer fared: counts, and percentages of its cases."""

    kind: str
    total: int
    correct: int
    wrong: int

    @property
    def accuracy(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 100.0

    @property
    def wrong_share(self) -> float:
        return 100.0 * self.wrong / self.total if self.total else 0.0

    @property
    def asked_back(self) -> int:
        return self.total - self.correct - self.wrong


@dataclass(frozen=True)
class Thresholds:
    """When `knowledge test` exits 1 (percentages, 0-100; None: not checked)."""

    fail_under: float | None = None
    fail_under_kind: float | None = None
    max_wrong: float | None = None

    def check(self) -> None:
        """ValueError when a threshold is not a percentage."""
        for flag, value in (
            ("--fail-under", self.fail_under),
            ("--fail-under-kind", self.fail_under_kind),
            ("--max-wrong", self.max_wrong),
        ):
            if value is not None and not 0.0 <= value <= 100.0:
                raise ValueError(f"{flag} must be a percentage from 0 to 100, not {value:g}")


@dataclass(frozen=True)
class CaseResult:
    case: AnswerCase
    chosen: str | None
    asked_back: tuple[str, ...]  # the options offered when nothing was chosen
    ranked: tuple[OptionScore, ...]
    by_position: bool = False
    not_an_answer: str | None = None  # what the bot takes the text for instead

    @property
    def passed(self) -> bool:
        return self.chosen == self.case.expected


@dataclass(frozen=True)
class AnswerTestReport:
    file: str
    knowledge_version: str
    results: tuple[CaseResult, ...]
    problems: tuple[Problem, ...]

    @property
    def correct(self) -> int:
        return sum(result.passed for result in self.results)

    @property
    def accuracy(self) -> float:
        """Percent of the runnable cases understood as expected (100 when there are none)."""
        return 100.0 * self.correct / len(self.results) if self.results else 100.0

    @property
    def misses(self) -> tuple[CaseResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    @property
    def wrong(self) -> int:
        """Misses where the bot chose an option: worse than asking back, so counted apart."""
        return sum(1 for miss in self.misses if miss.chosen is not None)

    @property
    def wrong_share(self) -> float:
        return 100.0 * self.wrong / len(self.results) if self.results else 0.0

    def by_kind(self) -> tuple[KindFigures, ...]:
        """Figures per kind, in the order of KINDS (cases without a kind are left out)."""
        figures = []
        for kind in KINDS:
            results = [r for r in self.results if r.case.kind == kind]
            if results:
                correct = sum(r.passed for r in results)
                wrong = sum(1 for r in results if not r.passed and r.chosen is not None)
                figures.append(KindFigures(kind, len(results), correct, wrong))
        return tuple(figures)


@dataclass(frozen=True)
class CommandOutput:
    """What a command prints, and its exit code (0 fine, 1 the input is wrong)."""

    stdout: tuple[str, ...]
    stderr: tuple[str, ...]
    code: int


def default_answers_file(knowledge_dir: Path) -> Path:
    return knowledge_dir / BUNDLED_ANSWERS


def answer_test_command(
    path: Path, knowledge: Knowledge, thresholds: Thresholds | None = None
) -> CommandOutput:
    """Everything `advisor knowledge test` prints. Exit 1 when the file has problems or a
    threshold is not met (ValueError when a threshold is not a percentage)."""
    thresholds = thresholds or Thresholds()
    thresholds.check()
    report = run_answer_tests(path, knowledge)
    return render(report, thresholds)


def run_answer_tests(path: Path, knowledge: Knowledge) -> AnswerTestReport:
    cases, problems = read_cases(path)
    runnable, unknown = check_ids(str(path), cases, knowledge)
    results = tuple(run_case(knowledge, case) for case in runnable)
    return AnswerTestReport(
        str(path), knowledge.version, results, tuple(sorted([*problems, *unknown]))
    )


def run_case(knowledge: Knowledge, case: AnswerCase) -> CaseResult:
    """What the bot does with `case.answer` typed while `case.question` is open: the same
    steps as the dialogue (commands and greetings first, then the question's matcher)."""
    text = case.answer.strip()[:MAX_TEXT]
    command, _ = parse_command(text)
    if command is not None or is_greeting(text):
        taken_as = f"the `{command.value}` command" if command is not None else "a greeting"
        return CaseResult(case, None, (), (), not_an_answer=taken_as)
    if asks_about_options(text):
        return CaseResult(case, None, (), (), not_an_answer="a question about the options")
    if asks_the_advisor(text):
        return CaseResult(case, None, (), (), not_an_answer="a question to the advisor")
    match = index_for(knowledge).matchers[case.question].match(text)
    return CaseResult(case, match.chosen, match.candidates, match.ranked, match.by_position)


# --- reading the file -------------------------------------------------------------------------


def read_cases(path: Path) -> tuple[list[AnswerCase], list[Problem]]:
    """The well-formed cases of the file, and a problem for every malformed one."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [Problem(name, 1, f"cannot read the file ({error.strerror or error})")]
    try:
        parsed = parse(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return [], [Problem(name, line, f"not UTF-8 text (byte {error.start + 1})")]
    except YamlSyntaxError as error:
        return [], [Problem(name, error.line, error.message)]
    problems = [
        Problem(name, line, f"duplicate key '{key}'") for key, line in parsed.duplicate_keys
    ]
    if not isinstance(parsed.data, list) or not parsed.data:
        example = "- question: <id>, answer: <text>, expected: <option id or null>"
        problems.append(Problem(name, 1, f"expected a list of answers to test ({example})"))
        return [], problems
    cases = []
    for index, raw in enumerate(parsed.data):
        case = _case(name, parsed, index, raw, problems)
        if case is not None:
            cases.append(case)
    return cases, problems


def _case(
    name: str, parsed: ParsedYaml, index: int, raw: Any, problems: list[Problem]
) -> AnswerCase | None:
    line = parsed.line_of((index,))
    if not isinstance(raw, dict):
        problems.append(Problem(name, line, "each answer must be a mapping with " + _fields()))
        return None
    found = len(problems)
    for key in raw:
        if key not in FIELDS:
            where = parsed.line_of((index, str(key)))
            problems.append(Problem(name, where, f"unknown field '{key}' (expected {_fields()})"))
    for key in ("question", "answer", "expected"):
        if key not in raw:
            # `expected` may be null, but it must be written: a forgotten one is not a claim
            # that the bot should ask back.
            problems.append(Problem(name, line, f"missing field '{key}'"))
    question = _text(raw.get("question"), "question", name, parsed, index, problems)
    answer = _text(raw.get("answer"), "answer", name, parsed, index, problems)
    expected = raw.get("expected")
    if expected is not None:
        expected = _text(expected, "expected", name, parsed, index, problems)
    kind = raw.get("kind")
    if kind is not None:
        kind = _text(kind, "kind", name, parsed, index, problems)
        if kind is not None and kind not in KINDS:
            message = f"unknown kind '{kind}' (the kinds are: {', '.join(KINDS)})"
            problems.append(Problem(name, parsed.line_of((index, "kind")), message))
    if len(problems) > found or question is None or answer is None:
        return None
    return AnswerCase(line, question, answer, expected, kind)


def _text(
    value: Any, key: str, name: str, parsed: ParsedYaml, index: int, problems: list[Problem]
) -> str | None:
    if value is None:
        return None
    # YAML reads an unquoted `yes`, `no` or `1.5` as a boolean or number, not what was typed.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        message = f"'{key}' must be text (quote it: YAML reads yes/no/on/off as true/false)"
        problems.append(Problem(name, parsed.line_of((index, key)), message))
        return None
    return value


def _fields() -> str:
    return ", ".join(FIELDS)


def check_ids(
    name: str, cases: Sequence[AnswerCase], knowledge: Knowledge
) -> tuple[list[AnswerCase], list[Problem]]:
    """Split the cases into those the knowledge can run and errors for unknown ids."""
    runnable = []
    problems = []
    for case in cases:
        question = knowledge.question(case.question)
        if question is None:
            known = ", ".join(q.id for q in knowledge.questions)
            message = f"unknown question '{case.question}' (the questions are: {known})"
            problems.append(Problem(name, case.line, message))
        elif case.expected is not None and question.option(case.expected) is None:
            options = ", ".join(option.id for option in question.options)
            message = (
                f"question '{case.question}' has no option '{case.expected}' "
                f"(its options are: {options})"
            )
            problems.append(Problem(name, case.line, message))
        else:
            runnable.append(case)
    return runnable, problems


# --- printing ---------------------------------------------------------------------------------


def render(report: AnswerTestReport, thresholds: Thresholds | None = None) -> CommandOutput:
    thresholds = thresholds or Thresholds()
    stdout: list[str] = []
    for miss in report.misses:
        stdout.extend(_miss_lines(report.file, miss))
    total = len(report.results)
    stdout.extend(_kind_table(report.by_kind()))
    summary = (
        f"{report.file}: {report.correct} of {total} answers understood as expected "
        f"({report.accuracy:.1f}%): {report.wrong} wrong choice(s), "
        f"{len(report.misses) - report.wrong} asked back; knowledge version "
        f"{report.knowledge_version}"
    )
    if not report.results:  # every case has a problem, listed below
        summary = f"{report.file}: no answers could be run"
    failures = _failures(report, thresholds)
    if failures:
        summary += "; " + "; ".join(failures)
    stdout.append(summary)
    stderr: list[str] = []
    if report.problems:
        stderr.append(f"the answer test file has {len(report.problems)} problem(s):")
        stderr.extend(str(problem) for problem in report.problems)
    return CommandOutput(tuple(stdout), tuple(stderr), 1 if report.problems or failures else 0)


def _kind_table(figures: Sequence[KindFigures]) -> list[str]:
    if not figures:
        return []
    lines = [f"{'kind':<11} {'answers':>7} {'understood':>10} {'wrong':>6} {'asked back':>10}"]
    for kind in figures:
        lines.append(
            f"{kind.kind:<11} {kind.total:>7} {kind.accuracy:>9.1f}% {kind.wrong:>6} "
            f"{kind.asked_back:>10}"
        )
    return lines


def _failures(report: AnswerTestReport, thresholds: Thresholds) -> list[str]:
    """Why the run fails its thresholds, one phrase each (empty: it passes)."""
    failures = []
    if thresholds.fail_under is not None and report.accuracy < thresholds.fail_under:
        failures.append(f"below --fail-under {thresholds.fail_under:g}%")
    if thresholds.fail_under_kind is not None:
        low = [k.kind for k in report.by_kind() if k.accuracy < thresholds.fail_under_kind]
        if low:
            failures.append(
                f"{', '.join(low)} below --fail-under-kind {thresholds.fail_under_kind:g}%"
            )
    if thresholds.max_wrong is not None and report.wrong_share > thresholds.max_wrong:
        failures.append(
            f"{report.wrong_share:.1f}% wrong choices, above --max-wrong {thresholds.max_wrong:g}%"
        )
    return failures


def _miss_lines(file: str, result: CaseResult) -> list[str]:
    case = result.case
    lines = [
        f'{file}:{case.line}: miss: {case.question}: "{case.answer}"',
        f"    expected: {case.expected or 'ask back (no option chosen)'}",
        f"    got:      {_outcome(result)}",
    ]
    if result.ranked:
        top = ", ".join(f"{s.option_id} {s.score:.1f}" for s in result.ranked[:TOP_SCORES])
        lines.append(f"    scores:   {top}")
    return lines


def _outcome(result: CaseResult) -> str:
    if result.not_an_answer is not None:
        return f"not an answer: read as {result.not_an_answer}"
    if result.chosen is not None:
        return result.chosen + (" (by position)" if result.by_position else "")
    if result.asked_back:
        return "asked back with " + ", ".join(result.asked_back)
    return "asked back with every option (nothing came close)"
