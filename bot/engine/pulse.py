"""The pure side of a team pulse survey: checking one person's answers, and turning the team's
counts into results and an export.

A survey snapshots its question ids at launch; the knowledge may be reloaded while it runs, so
results are computed against today's knowledge: questions and options that no longer exist are
left out (and counted, so a renderer can say so) rather than guessed at.

Anonymity is enforced here, not by the renderers: below the survey's threshold of respondents,
the results carry no distribution at all, only how many answered and how many are needed. A
renderer that forgets to check `visible` still has nothing to leak.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from bot.engine import thresholds as t
from bot.engine.replies import Clarity
from bot.engine.scoring import Scoring, score_counts
from bot.knowledge.model import Knowledge, Option, OwnershipModel, Question

# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection"); tab
# and carriage return are on OWASP's list too, as some spreadsheets strip them first.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PulseAnswerError(ValueError):
    """A response the respondent must fix. The message is for them; `problems` gives each
    question's own message by question id, so a form can show it next to the field."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems: Mapping[str, str] = MappingProxyType(dict(problems or {}))


def check_answers(answers: Mapping[str, str], questions: Sequence[Question]) -> dict[str, str]:
    """One person's response: every question answered with one of its options and nothing else.
    Returns the answers in question order; raises PulseAnswerError saying what to fix."""
    known = {question.id for question in questions}
    if any(key not in known for key in answers):
        # Only a stale or forged form has these: the person cannot fix it field by field.
        raise PulseAnswerError(
            "This form does not match the survey any more. Please open the survey again and "
            "answer it from there."
        )
    problems = {q.id: message for q in questions if (message := _problem(q, answers.get(q.id)))}
    if problems:
        raise PulseAnswerError("\n".join(problems.values()), problems)
    return {question.id: answers[question.id] for question in questions}


def _problem(question: Question, option_id: str | None) -> str | None:
    if not option_id:  # forms send a missing choice as absent, None or ""
        return f'Please answer "{question.prompt}"'
    if question.option(option_id) is None:
        return f'Please choose one of the listed answers to "{question.prompt}"'
    return None


def pulse_questions(question_ids: Sequence[str], knowledge: Knowledge) -> tuple[Question, ...]:
    """The survey's questions, as snapshotted at launch, that today's knowledge still has, in
    the survey's order (each once)."""
    found = (knowledge.question(question_id) for question_id in dict.fromkeys(question_ids))
    return tuple(question for question in found if question is not None)


@dataclass(frozen=True)
class OptionResult:
    option: Option
    count: int
    share: float  # of the people who answered this question, 0-1


@dataclass(frozen=True)
class QuestionResult:
    """How the team answered one question. `options` lists every option of the question, chosen
    or not, in the knowledge's order. `top` is None when nobody answered or when two or more
    options tie as the most chosen: there is then no single team answer to name."""

    question: Question
    options: tuple[OptionResult, ...]
    answered: int
    split: bool
    top: OptionResult | None


@dataclass(frozen=True)
class PulseResults:
    """A survey's results. When not `visible` (fewer respondents than the threshold) every
    field derived from the answers is empty or None: see `pulse_results`. When visible but
    nobody answered a question that still exists, `recommended` is None and clarity is
    INSUFFICIENT."""

    respondents: int
    threshold: int
    visible: bool
    questions: tuple[QuestionResult, ...] = ()
    recommended: OwnershipModel | None = None
    runner_up: OwnershipModel | None = None
    clarity: Clarity | None = None
    shares: tuple[tuple[OwnershipModel, float], ...] = ()  # best first
    mixed: bool = False
    split: tuple[QuestionResult, ...] = ()
    dropped_questions: int = 0  # survey questions today's knowledge no longer has


def pulse_results(
    respondents: int,
    counts: Mapping[str, Mapping[str, int]],
    question_ids: Sequence[str],
    knowledge: Knowledge,
    threshold: int,
) -> PulseResults:
    """The team's results from the stored tally. Raises ValueError on impossible input (negative
    numbers, a threshold below 1): a bug upstream must not turn into a misleading result."""
    if respondents < 0 or threshold < 1:
        raise ValueError(f"respondents {respondents} and threshold {threshold} are impossible")
    if respondents < threshold:
        # The anonymity guarantee: nothing about the answers leaves this function.
        return PulseResults(respondents, threshold, visible=False)
    questions = pulse_questions(question_ids, knowledge)
    # Only the survey's own questions count, whatever else the tally holds.
    survey_counts = {q.id: counts.get(q.id, {}) for q in questions}
    results = tuple(_question_result(q, survey_counts[q.id]) for q in questions)
    scoring = score_counts(survey_counts, knowledge)
    nobody = scoring.clarity is Clarity.INSUFFICIENT
    return PulseResults(
        respondents=respondents,
        threshold=threshold,
        visible=True,
        questions=results,
        recommended=None if nobody else knowledge.model(scoring.recommended),
        runner_up=None if nobody else _model_or_none(scoring.runner_up, knowledge),
        clarity=scoring.clarity,
        shares=() if nobody else _shares(scoring, knowledge),
        mixed=scoring.mixed,
        split=tuple(result for result in results if result.split),
        dropped_questions=len(dict.fromkeys(question_ids)) - len(questions),
    )


def _question_result(question: Question, counts: Mapping[str, int]) -> QuestionResult:
    # Options today's knowledge lacks are ignored here as in scoring, so shares add up to 1.
    # (A negative count is refused by the scoring the results also go through.)
    tallied = [(option, counts.get(option.id, 0)) for option in question.options]
    answered = sum(n for _, n in tallied)
    options = tuple(OptionResult(o, n, n / answered if answered else 0.0) for o, n in tallied)
    ranked = sorted(options, key=lambda result: -result.count)
    first = ranked[0].share if answered else 0.0
    second = ranked[1].share if answered and len(ranked) > 1 else 0.0
    split = first < t.SPLIT_TOP_SHARE and second >= t.SPLIT_SECOND_SHARE
    top = ranked[0] if answered and first > second else None
    return QuestionResult(question, options, answered, split, top)


def _model_or_none(model_id: str | None, knowledge: Knowledge) -> OwnershipModel | None:
    return knowledge.model(model_id) if model_id else None


def _shares(scoring: Scoring, knowledge: Knowledge) -> tuple[tuple[OwnershipModel, float], ...]:
    ranked = ((knowledge.model(m), scoring.shares[m]) for m in scoring.ranking)
    return tuple((model, share) for model, share in ranked if model is not None)


def results_csv(results: PulseResults, rounds: Sequence[Sequence[str]] = ()) -> str:
    """The results as CSV: aggregate counts per question and option, the model shares, then the
    number of respondents and the threshold; for a round of a series, `rounds` (one row per
    round, `bot.engine.pulse_trend.trend_rows`) after them. Never anything per person: there is
    nothing per person in the results. Raises ValueError for results below the threshold."""
    if not results.visible:
        raise ValueError("results below the anonymity threshold cannot be exported")
    rows = [
        ["question_id", "question", "dimension", "option_id", "option", "count", "share"],
        *(
            _option_row(result.question, item)
            for result in results.questions
            for item in result.options
        ),
        [],
        ["model_id", "model", "share"],
        *([model.id, model.name, _decimal(share)] for model, share in results.shares),
        [],
        ["respondents", str(results.respondents), "threshold", str(results.threshold)],
    ]
    if rounds:
        rows += [[], *(list(row) for row in rounds)]
    return csv_text(rows)


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    """`rows` as CSV text, each cell made safe to open in a spreadsheet."""
    out = io.StringIO()
    # "\n" rather than the module's "\r\n": the text goes to an upload or a test, not a file
    # opened by this process, and spreadsheets read either.
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([_safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def _option_row(question: Question, item: OptionResult) -> list[str]:
    option, count, share = item.option, str(item.count), _decimal(item.share)
    return [question.id, question.prompt, question.dimension, option.id, option.label, count, share]


def _decimal(share: float) -> str:
    return f"{share:.3f}"


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading quote stops formula evaluation."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
