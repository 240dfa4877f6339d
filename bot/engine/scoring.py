"""From answers to a recommendation, in steps a manager can follow.

Each answered option adds its weights to the models it argues for. A model's score is its share
of all the weight the answers handed out (so scores add up to 1 and read as "41% of your answers'
weight points to IT-led"). The gap between the top two decides how clear-cut the result is.

The shared model is the answer to mixed evidence, not a safe default: it wins when the answers
themselves point to it, or when they split between IT-led and business-led (the two owners the
shared model combines), or when three or more models are within a close call of each other.
A close call between dedicated leadership and one other model stays a close call, said as such.

A team pulse is scored the same way from its counts: an option chosen by n people adds n times
its weights, so a team of identical answers scores exactly like one of its members. Shares,
margins and the shared-model rule do not change; only the "too few answers" rule does: one
person answering two questions gives a first impression, but a team's answers to the pulse are
all there will be, so a team result is insufficient only when nobody answered at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.engine import thresholds as t
from bot.engine.replies import Clarity
from bot.knowledge.model import Knowledge, Option, Question

SHARED = "shared"
# The two single owners whose split makes the shared model the natural answer.
SHARED_POLES = frozenset({"it_led", "business_led"})


@dataclass(frozen=True)
class Answered:
    question: Question
    option: Option


@dataclass(frozen=True)
class Scoring:
    """`answered` is what was chosen, in question order: for a team, each option chosen by at
    least one person. `skipped` counts the questions given without a (still existing) answer."""

    points: Mapping[str, int]
    shares: Mapping[str, float]
    ranking: tuple[str, ...]  # model ids, best first
    recommended: str
    runner_up: str | None
    clarity: Clarity
    mixed: bool
    answered: tuple[Answered, ...]
    skipped: int


def resolve_answers(
    answers: Mapping[str, str | None], knowledge: Knowledge
) -> tuple[tuple[Answered, ...], int]:
    """The answers that still mean something in this knowledge, in question order, and the
    number of skipped questions. Answers to removed questions or options are ignored."""
    resolved = []
    skipped = 0
    for question in knowledge.questions:
        if question.id not in answers:
            continue
        option_id = answers[question.id]
        option = question.option(option_id) if option_id else None
        if option is None:
            skipped += 1
        else:
            resolved.append(Answered(question, option))
    return tuple(resolved), skipped


def resolve_counts(
    counts: Mapping[str, Mapping[str, int]], knowledge: Knowledge
) -> tuple[tuple[tuple[Answered, int], ...], int]:
    """A team's counts as (answer, how many chose it), in question and option order, and the
    number of questions in `counts` nobody answered. Removed questions or options and zero
    counts are ignored. Raises ValueError on a negative count: a tally never has one, so it
    means a bug upstream that should not quietly shift a recommendation."""
    resolved: list[tuple[Answered, int]] = []
    skipped = 0
    for question in knowledge.questions:
        if question.id not in counts:
            continue
        chosen = counts[question.id]
        before = len(resolved)
        for option in question.options:
            n = chosen.get(option.id, 0)
            if n < 0:
                raise ValueError(f"negative count {n} for {question.id}/{option.id}")
            if n:
                resolved.append((Answered(question, option), n))
        if len(resolved) == before:
            skipped += 1
    return tuple(resolved), skipped


def score(answers: Mapping[str, str | None], knowledge: Knowledge) -> Scoring:
    """One person's diagnostic: each answer counts once; fewer than MIN_ANSWERS is insufficient."""
    answered, skipped = resolve_answers(answers, knowledge)
    points = _points(((item.option, 1) for item in answered), knowledge)
    return _scoring(points, knowledge, len(answered) >= t.MIN_ANSWERS, answered, skipped)


def score_counts(counts: Mapping[str, Mapping[str, int]], knowledge: Knowledge) -> Scoring:
    """A team's answers, from how many chose each option (question id -> option id -> n)."""
    tallied, skipped = resolve_counts(counts, knowledge)
    points = _points(((item.option, n) for item, n in tallied), knowledge)
    answered = tuple(item for item, _ in tallied)
    return _scoring(points, knowledge, bool(answered), answered, skipped)


def _points(chosen: Iterable[tuple[Option, int]], knowledge: Knowledge) -> dict[str, int]:
    """Every model's weight points; `chosen` pairs an option with how often it was chosen."""
    points = dict.fromkeys(knowledge.model_ids, 0)
    for option, times in chosen:
        for model_id, weight in option.weights.items():
            points[model_id] = points.get(model_id, 0) + times * weight
    return points


def _scoring(
    points: dict[str, int],
    knowledge: Knowledge,
    enough: bool,
    answered: tuple[Answered, ...],
    skipped: int,
) -> Scoring:
    """Shares, ranking, clarity and recommendation from the points; `enough` says whether there
    were enough answers to recommend anything at all."""
    total = sum(points.values())
    shares = {m: (p / total if total else 0.0) for m, p in points.items()}
    order = {model_id: i for i, model_id in enumerate(knowledge.model_ids)}
    ranking = tuple(sorted(shares, key=lambda m: (-shares[m], order.get(m, 0))))
    top, second = ranking[0], ranking[1] if len(ranking) > 1 else None
    margin = shares[top] - (shares[second] if second else 0.0)
    clarity = _clarity(enough, margin)
    recommended, runner_up, mixed = _recommend(ranking, shares, clarity)
    return Scoring(
        points, shares, ranking, recommended, runner_up, clarity, mixed, answered, skipped
    )


def _clarity(enough: bool, margin: float) -> Clarity:
    if not enough:
        return Clarity.INSUFFICIENT
    if margin >= t.CLEAR_MARGIN:
        return Clarity.CLEAR
    if margin >= t.LEANING_MARGIN:
        return Clarity.LEANING
    return Clarity.CLOSE_CALL


def _recommend(
    ranking: tuple[str, ...], shares: Mapping[str, float], clarity: Clarity
) -> tuple[str, str | None, bool]:
    top = ranking[0]
    runner_up = ranking[1] if len(ranking) > 1 else None
    if clarity is not Clarity.CLOSE_CALL or top == SHARED or SHARED not in shares:
        return top, runner_up, False
    singles = [m for m in ranking if m != SHARED]
    contenders = [m for m in singles if shares[top] - shares[m] < t.LEANING_MARGIN]
    if set(contenders[:2]) == SHARED_POLES or len(contenders) >= 3:
        # Split evidence: recommend the shared model, and show the strongest single owner as
        # the other view so the split stays visible.
        return SHARED, top, True
    return top, runner_up, False
