"""Advice beyond the scores, from the knowledge's stages, tensions and answer steps: where the
organisation stands, the answers that pull hard against the recommendation and what follows
from them, the dimension that most holds the recommendation back, and a plan in three
horizons that joins the model's steps to the steps the answers call for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.index import KnowledgeIndex
from bot.engine.replies import ConstraintView, PlanStep, StageView, TensionView
from bot.engine.scoring import Answered, Scoring
from bot.knowledge.model import HORIZONS, OwnershipModel, Tension

# An answer pulls hard toward a model it weighs fully that the recommendation gets at most 1
# of: its option's main model, and not a near one.
HARD_PULL = 3
MAX_RECOMMENDED_WEIGHT = 1
# One answer against the recommendation is ordinary; a tension takes two that agree.
TENSION_ANSWERS = 2
MAX_TENSIONS = 2
# Steps the answers add to the model's three: enough to matter, few enough to act on.
MAX_EXTRA_STEPS = 4


@dataclass(frozen=True)
class Advice:
    tensions: tuple[TensionView, ...]
    stage: StageView | None
    constraint: ConstraintView | None
    plan: tuple[PlanStep, ...]


def advise(index: KnowledgeIndex, scoring: Scoring, recommended: OwnershipModel) -> Advice:
    tensions = _tensions(index, scoring)
    extra = [_tension_step(index, tension, items) for tension, items in tensions]
    extra += _answer_steps(index, scoring)
    return Advice(
        tensions=tuple(_tension_view(index, tension, items) for tension, items in tensions),
        stage=_stage(index, scoring),
        constraint=_constraint(index, scoring),
        plan=_plan(recommended, [step for step in extra if step is not None]),
    )


def _tensions(index: KnowledgeIndex, scoring: Scoring) -> list[tuple[Tension, list[Answered]]]:
    """The knowledge's tensions that at least two hard-pulling answers bear out, strongest
    first (most answers, then knowledge order), one per model, at most MAX_TENSIONS."""
    recommended = scoring.recommended
    found: list[tuple[Tension, list[Answered]]] = []
    for tension in index.knowledge.tensions:
        if tension.toward == recommended or (tension.under and recommended not in tension.under):
            continue
        items = [
            item
            for item in scoring.answered
            if _pulls_hard(item, tension.toward, recommended)
            and (not tension.dimensions or item.question.dimension in tension.dimensions)
        ]
        if len(items) >= TENSION_ANSWERS:
            found.append((tension, items))
    found.sort(key=lambda pair: -len(pair[1]))  # stable: knowledge order within a count
    chosen: list[tuple[Tension, list[Answered]]] = []
    for tension, items in found:
        if len(chosen) < MAX_TENSIONS and all(t.toward != tension.toward for t, _ in chosen):
            chosen.append((tension, items))
    return chosen


def _pulls_hard(item: Answered, model_id: str, recommended: str) -> bool:
    weights = item.option.weights
    return (
        weights.get(model_id, 0) >= HARD_PULL
        and weights.get(recommended, 0) <= MAX_RECOMMENDED_WEIGHT
    )


def _tension_view(index: KnowledgeIndex, tension: Tension, items: list[Answered]) -> TensionView:
    toward = index.knowledge.model(tension.toward)
    if toward is None:  # the loader checks `toward` names a model
        raise LookupError(f"unknown model {tension.toward}")
    return TensionView(
        toward=index.model_view(toward),
        dimensions=tuple(index.dimension_name(item.question.dimension) for item in items),
        answers=tuple(item.option.label for item in items),
        advice=tension.advice,
    )


def _tension_step(
    index: KnowledgeIndex, tension: Tension, items: list[Answered]
) -> PlanStep | None:
    if tension.step is None:
        return None
    because = tuple(index.dimension_name(item.question.dimension) for item in items)
    return PlanStep(tension.step.horizon, tension.step.text, because)


def _answer_steps(index: KnowledgeIndex, scoring: Scoring) -> list[PlanStep]:
    """The knowledge's answer steps whose every condition the answers meet, combinations
    (more conditions) first, then in knowledge order."""
    chosen = _chosen(scoring)
    matched = [
        step
        for step in index.knowledge.steps
        if all(chosen.get(question) in options for question, options in step.when.items())
        and (not step.models or scoring.recommended in step.models)
    ]
    matched.sort(key=lambda step: -len(step.when))
    return [
        PlanStep(step.horizon, step.text, tuple(_dimension_of(index, q) for q in step.when))
        for step in matched
    ]


def _chosen(scoring: Scoring) -> dict[str, str]:
    """The option chosen for each answered question."""
    return {item.question.id: item.option.id for item in scoring.answered}


def _dimension_of(index: KnowledgeIndex, question_id: str) -> str:
    question = index.knowledge.question(question_id)
    return index.dimension_name(question.dimension) if question else question_id


def _plan(recommended: OwnershipModel, extra: Sequence[PlanStep]) -> tuple[PlanStep, ...]:
    """The model's steps, one per horizon, and up to MAX_EXTRA_STEPS of `extra` (none twice),
    ordered by horizon; within a horizon the model's step comes first."""
    plan = [PlanStep(h, text) for h, text in zip(HORIZONS, recommended.next_steps, strict=False)]
    for step in extra:
        if len(plan) - len(HORIZONS) >= MAX_EXTRA_STEPS:
            break
        if all(step.text != other.text for other in plan):
            plan.append(step)
    return tuple(sorted(plan, key=lambda step: step.horizon))  # stable: model's step first


def _stage(index: KnowledgeIndex, scoring: Scoring) -> StageView | None:
    """The stage whose signals the answers match with the most weight; ties go to the earlier
    stage (the cautious reading); None when no answer signals any stage."""
    stages = index.knowledge.stages
    chosen = _chosen(scoring)
    best, best_weight = None, 0
    for number, stage in enumerate(stages, 1):
        weight = sum(
            signals.get(chosen[question], 0)
            for question, signals in stage.signals.items()
            if question in chosen
        )
        if weight > best_weight:
            best, best_weight = (number, stage), weight
    if best is None:
        return None
    number, stage = best
    return StageView(stage.id, stage.name, stage.description, number, len(stages))


def _constraint(index: KnowledgeIndex, scoring: Scoring) -> ConstraintView | None:
    """The answer that leans furthest from the recommendation toward another model (the gap
    between the two weights; ties: the weaker support for the recommendation, then question
    order), when that gap is at least 2: a real pull, not a nuance."""
    recommended = scoring.recommended
    rank = {model: n for n, model in enumerate(scoring.ranking)}
    best: tuple[int, int, Answered, str] | None = None
    for item in scoring.answered:
        weights = item.option.weights
        others = [m for m in weights if m != recommended]
        if not others:
            continue
        toward = max(others, key=lambda m: (weights[m], -rank.get(m, len(rank))))
        gap = weights[toward] - weights.get(recommended, 0)
        support = weights.get(recommended, 0)
        if gap >= 2 and (best is None or (gap, -support) > (best[0], best[1])):
            best = (gap, -support, item, toward)
    if best is None:
        return None
    _, _, item, toward = best
    model = index.knowledge.model(toward)
    dimension = index.knowledge.dimension(item.question.dimension)
    if model is None or dimension is None:  # options weigh, and questions sit in, known ones
        return None
    return ConstraintView(
        dimension.name, item.option.label, index.model_view(model), dimension.unblock
    )
