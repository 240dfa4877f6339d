"""Build the summary card's content from a scoring: the recommendation and why, the other view,
the leaning per dimension, and the advice (`bot.engine.advice`): stage, tensions, plan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.engine.advice import advise
from bot.engine.index import KnowledgeIndex
from bot.engine.replies import (
    Clarity,
    LeaningView,
    ModelScoreView,
    ReasonView,
    Summary,
)
from bot.engine.scoring import Answered, Scoring, score
from bot.knowledge.model import OwnershipModel, Snippet

WHY_COUNT = 3


def build_summary(
    answers: Mapping[str, str | None], index: KnowledgeIndex, now: datetime
) -> Summary:
    knowledge = index.knowledge
    scoring = score(answers, knowledge)
    recommended = _model(index, scoring.recommended)
    runner_up = knowledge.model(scoring.runner_up) if scoring.runner_up else None
    reasons = _reasons(index, scoring, WHY_COUNT)
    why = [snippet for snippet, _ in reasons]
    other = _other_view(index, scoring, runner_up.id, why) if runner_up else None
    advice = advise(index, scoring, recommended)
    return Summary(
        recommended=index.model_view(recommended),
        clarity=scoring.clarity,
        clarity_text=_clarity_text(index, scoring),
        mixed=scoring.mixed,
        runner_up=index.model_view(runner_up) if runner_up else None,
        scores=tuple(
            ModelScoreView(index.model_view(_model(index, m)), scoring.shares[m], scoring.points[m])
            for m in scoring.ranking
        ),
        leanings=tuple(_leaning(index, item) for item in scoring.answered),
        reasons=tuple(_reason_view(index, snippet, item) for snippet, item in reasons),
        other_view=index.snippet_view(other[0]) if other else None,
        other_view_for=index.model_view(_model(index, other[1])) if other else None,
        tensions=advice.tensions,
        stage=advice.stage,
        constraint=advice.constraint,
        plan=advice.plan,
        answered=len(scoring.answered),
        skipped=scoring.skipped,
        knowledge_version=knowledge.version,
        date=now.date(),
    )


def _model(index: KnowledgeIndex, model_id: str) -> OwnershipModel:
    model = index.knowledge.model(model_id)
    if model is None:  # scoring only ranks the knowledge's own models
        raise LookupError(f"unknown model {model_id}")
    return model


def _leaning(index: KnowledgeIndex, item: Answered) -> LeaningView:
    leaning_id = item.option.leaning()
    leaning = index.knowledge.model(leaning_id) if leaning_id else None
    return LeaningView(
        question_id=item.question.id,
        dimension=index.dimension_name(item.question.dimension),
        answer=item.option.label,
        leaning=index.model_view(leaning) if leaning else None,
    )


def _reasons(
    index: KnowledgeIndex, scoring: Scoring, count: int
) -> list[tuple[Snippet, Answered | None]]:
    """Up to `count` reasons for the recommendation, each the article point behind one of the
    person's own answers that pulled toward it (the strongest pulls first, the snippets spread
    over sources, none twice); general points for the model fill what the answers leave."""
    model_id = scoring.recommended
    pulling = sorted(
        (item for item in scoring.answered if item.option.weights.get(model_id, 0) > 0),
        key=lambda item: -item.option.weights[model_id],
    )
    chosen: list[tuple[Snippet, Answered | None]] = []
    for spread in (True, False):  # first one source per reason, then any source
        for item in pulling:
            if len(chosen) == count:
                return chosen
            if any(answered is item for _, answered in chosen):
                continue
            used = [snippet for snippet, _ in chosen]
            sources = {snippet.source for snippet in used}
            for snippet in snippets_behind(index, item, model_id):
                if snippet not in used and not (spread and snippet.source in sources):
                    chosen.append((snippet, item))
                    break
    used = [snippet for snippet, _ in chosen]
    general = _supporting_snippets(index, scoring, model_id, count - len(chosen), excluded=used)
    return chosen + [(snippet, None) for snippet in general]


def snippets_behind(index: KnowledgeIndex, item: Answered, model_id: str) -> list[Snippet]:
    """The snippets behind an answer that argue for `model_id`, nearest first: the one its
    option echoes, the question's own, then its dimension's."""
    echo = index.echo(item.question.id, item.option.id)
    found = [echo] if echo is not None and model_id in echo.models else []
    found += [s for s in index.behind(item.question) if model_id in s.models and s not in found]
    return found


def _reason_view(index: KnowledgeIndex, snippet: Snippet, item: Answered | None) -> ReasonView:
    if item is None:
        return ReasonView(index.snippet_view(snippet))
    dimension = index.dimension_name(item.question.dimension)
    return ReasonView(index.snippet_view(snippet), dimension, item.option.label)


def _other_view(
    index: KnowledgeIndex, scoring: Scoring, runner_up: str, why: Sequence[Snippet]
) -> tuple[Snippet, str] | None:
    """The other view, and the model it argues for; never a reason already given. After a
    clear result, the strongest point of the article that disagrees most with it; otherwise
    (or when no article disagrees) the runner-up's strongest point, preferring one that does
    not also argue for the recommendation: the other view is really other."""
    if scoring.clarity is Clarity.CLEAR:
        found = _disagreeing_article_point(index, scoring, why)
        if found is not None:
            return found
    against = _supporting_snippets(
        index, scoring, runner_up, 1, excluded=why, unless_for=scoring.recommended
    )
    chosen = against or _supporting_snippets(index, scoring, runner_up, 1, excluded=why)
    return (chosen[0], runner_up) if chosen else None


def _disagreeing_article_point(
    index: KnowledgeIndex, scoring: Scoring, why: Sequence[Snippet]
) -> tuple[Snippet, str] | None:
    """The article whose points most often argue against the recommendation (the largest
    share of them, then the most), and its strongest such point, for the best-scoring model
    it argues for."""
    recommended = scoring.recommended
    snippets = index.knowledge.snippets
    against = Counter(s.source for s in snippets if s.models and recommended not in s.models)
    if not against:
        return None
    total = Counter(s.source for s in snippets)
    source = max(against, key=lambda src: (against[src] / total[src], against[src]))
    for model_id in scoring.ranking:
        if model_id == recommended:
            continue
        points = _supporting_snippets(
            index, scoring, model_id, 1, excluded=why, unless_for=recommended, source=source
        )
        if points:
            return points[0], model_id
    return None


def _supporting_snippets(
    index: KnowledgeIndex,
    scoring: Scoring,
    model_id: str,
    count: int,
    *,
    excluded: Sequence[Snippet] = (),
    unless_for: str | None = None,
    source: str | None = None,
) -> list[Snippet]:
    """Snippets for `model_id`, preferring those behind the answers that leaned its way, then
    spreading over sources so the card does not quote one article three times; never one of
    `excluded`, nor one that also argues for `unless_for`; only `source`'s, when given."""
    relevance: dict[str, float] = {}
    for item in scoring.answered:
        pull = item.option.weights.get(model_id, 0)
        if pull == 0:
            continue
        for snippet_id in item.question.snippets:
            relevance[snippet_id] = relevance.get(snippet_id, 0.0) + 2 * pull
        echo = index.echo(item.question.id, item.option.id)
        if echo is not None:
            relevance[echo.id] = relevance.get(echo.id, 0.0) + pull
        for snippet in index.knowledge.snippets:
            if item.question.dimension in snippet.dimensions:
                relevance[snippet.id] = relevance.get(snippet.id, 0.0) + pull / 2
    candidates = [
        s
        for s in index.knowledge.snippets
        if model_id in s.models
        and s not in excluded
        and unless_for not in s.models
        and source in (None, s.source)
    ]
    position = {s.id: i for i, s in enumerate(index.knowledge.snippets)}
    candidates.sort(key=lambda s: (-relevance.get(s.id, 0.0), position[s.id]))
    chosen: list[Snippet] = []
    for snippet in candidates:
        if len(chosen) < count and snippet.source not in {s.source for s in chosen}:
            chosen.append(snippet)
    for snippet in candidates:
        if len(chosen) < count and snippet not in chosen:
            chosen.append(snippet)
    return chosen


def _clarity_text(index: KnowledgeIndex, scoring: Scoring) -> str:
    top = index.model_name(scoring.recommended)
    second = index.model_name(scoring.runner_up) if scoring.runner_up else ""
    gap = points_apart([scoring.shares[model] for model in scoring.ranking[:2]])
    if scoring.clarity is Clarity.INSUFFICIENT:
        return (
            f"Only {_counted(len(scoring.answered), 'question')} answered: treat {top} as a "
            "first impression, not a recommendation."
        )
    if scoring.mixed:
        leaders = " and ".join(index.model_name(m) for m in scoring.ranking[:2])
        return (
            f"A close call: your answers split between {leaders}. When the evidence is this "
            f"mixed, the articles' common ground is {top}."
        )
    return clarity_sentence(scoring.clarity, top, second, gap)


def clarity_sentence(clarity: Clarity | None, top: str, second: str, gap: int) -> str:
    """How clear-cut a clear, leaning or close result is, for one person or a team (the
    insufficient and mixed cases say more, differently for each)."""
    if clarity is Clarity.CLEAR:
        return f"A clear result: {top} leads {second} by {gap} points."
    if clarity is Clarity.LEANING:
        return f"Leaning toward {top}, {gap} points ahead of {second}."
    return f"A close call between {top} and {second}, {_counted(gap, 'point')} apart."


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def points_apart(shares: Sequence[float]) -> int:
    """Points between the first two of `shares` (largest first; a missing one counts 0)."""
    first, second = [*shares[:2], 0.0, 0.0][:2]
    return round(100 * (first - second))
