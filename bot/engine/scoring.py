"""From answers to a recommendation, in steps a manager can follow.

Each answered option adds its weights to the models it argues for. A model's score is its share
of all the weight the answers handed out (so scores add up to 1 and read as "41% of your answers'
weight points to IT-led"). The gap between the top two decides how clear-cut the result is.

The shared model is the answer to mixed evidence, not a safe default: it wins when the answers
themselves point to it, or when they split between IT-led and business-led (the two owners the
shared model combines), or when three or more models are within a close call of each other.
A close call between dedicated leadership and one other model stays a close call, said as such.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def score(answers: Mapping[str, str | None], knowledge: Knowledge) -> Scoring:
    answered, skipped = resolve_answers(answers, knowledge)
    points = dict.fromkeys(knowledge.model_ids, 0)
    for item in answered:
        for model_id, weight in item.option.weights.items():
            points[model_id] = points.get(model_id, 0) + weight
    total = sum(points.values())
    shares = {m: (p / total if total else 0.0) for m, p in points.items()}
    order = {model_id: i for i, model_id in enumerate(knowledge.model_ids)}
    ranking = tuple(sorted(shares, key=lambda m: (-shares[m], order.get(m, 0))))
    top, second = ranking[0], ranking[1] if len(ranking) > 1 else None
    margin = shares[top] - (shares[second] if second else 0.0)
    clarity = _clarity(len(answered), margin)
    recommended, runner_up, mixed = _recommend(ranking, shares, clarity)
    return Scoring(
        points, shares, ranking, recommended, runner_up, clarity, mixed, answered, skipped
    )


def _clarity(answered: int, margin: float) -> Clarity:
    if answered < t.MIN_ANSWERS:
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
