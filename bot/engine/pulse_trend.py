"""The trend of a recurring pulse: a series' numbered rounds side by side, and what changed
since the last round that could be shown.

Every round is computed by `pulse_results`, from its stored tally, against today's knowledge,
so a round's numbers on the trend are exactly the numbers of its own results. The anonymity
rule is the same as there: a round below its threshold of respondents contributes how many
answered and how many were needed, and nothing else. Its counts never reach a `RoundPoint`,
and it is never what a change is measured against: the change is from the newest earlier
round that met its threshold, however many rounds below it lie in between.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.engine.pulse import PulseResults, QuestionResult, pulse_results
from bot.knowledge.model import Knowledge, Option, OwnershipModel, Question


@dataclass(frozen=True)
class RoundTally:
    """One round as stored: its number in the series, when it closed (timezone-aware), its
    tally and threshold, and the question ids it was launched with."""

    number: int
    closed_at: datetime
    respondents: int
    threshold: int
    counts: Mapping[str, Mapping[str, int]]  # question id -> option id -> how many chose it
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class RoundPoint:
    """One round on the trend. Below its threshold (`met` false) it has no shares and no
    recommendation: only how many answered and how many were needed."""

    number: int
    closed_at: datetime
    respondents: int
    threshold: int
    shares: tuple[tuple[OwnershipModel, float], ...] = ()  # best first, as in the results
    recommended: OwnershipModel | None = None

    @property
    def met(self) -> bool:
        return self.respondents >= self.threshold

    def share(self, model_id: str) -> float | None:
        """The model's share in this round, or None (round not met, or nobody answered)."""
        return next((share for model, share in self.shares if model.id == model_id), None)


@dataclass(frozen=True)
class OptionChange:
    option: Option
    before: float  # share of the question's answers, 0-1
    now: float


@dataclass(frozen=True)
class QuestionChange:
    """How the answers to one question moved. `options` lists every option in the knowledge's
    order; `top_before` and `top_now` are the most chosen option (None on a tie), and `moved`
    the largest absolute change of an option's share."""

    question: Question
    options: tuple[OptionChange, ...]
    top_before: Option | None
    top_now: Option | None
    moved: float


@dataclass(frozen=True)
class ScoreChange:
    model: OwnershipModel
    before: float  # share of the answers' weight, 0-1
    now: float


@dataclass(frozen=True)
class Trend:
    """`points` holds every round given, oldest first, met or not; `current` is the newest and
    `previous` the newest earlier round that met its threshold. `scores` and `questions` are
    empty unless both `current` and `previous` met theirs. `scores` is in the current round's
    order (best first); `questions` are those both rounds asked, that today's knowledge still
    has and that someone answered in both, the biggest move first. `models` are today's, in the
    knowledge's order: what a chart or a table has a line or a column for."""

    models: tuple[OwnershipModel, ...]
    points: tuple[RoundPoint, ...]
    current: RoundPoint
    previous: RoundPoint | None
    scores: tuple[ScoreChange, ...] = ()
    questions: tuple[QuestionChange, ...] = ()


def pulse_trend(rounds: Sequence[RoundTally], knowledge: Knowledge) -> Trend:
    """The trend of a series from its rounds, in any order. Raises ValueError when there is no
    round, when two rounds share a number, on a naive `closed_at`, and wherever `pulse_results`
    does (impossible respondents or threshold, a negative count)."""
    if not rounds:
        raise ValueError("a trend needs at least one round")
    ordered = sorted(rounds, key=lambda tally: tally.number)
    numbers = [tally.number for tally in ordered]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"round numbers repeat: {numbers}")
    results = [_results(tally, knowledge) for tally in ordered]
    points = tuple(_point(tally, result) for tally, result in zip(ordered, results, strict=True))
    earlier = (i for i in range(len(results) - 2, -1, -1) if results[i].visible)
    previous = next(earlier, None)
    if previous is None:
        return Trend(knowledge.models, points, points[-1], None)
    before, now = results[previous], results[-1]
    if not now.visible:
        return Trend(knowledge.models, points, points[-1], points[previous])
    return Trend(
        knowledge.models,
        points,
        points[-1],
        points[previous],
        _score_changes(before, now),
        _question_changes(before, now),
    )


def _results(tally: RoundTally, knowledge: Knowledge) -> PulseResults:
    if tally.closed_at.utcoffset() is None:
        raise ValueError(f"round {tally.number} has a naive closed_at")
    return pulse_results(
        tally.respondents, tally.counts, tally.question_ids, knowledge, tally.threshold
    )


def _point(tally: RoundTally, results: PulseResults) -> RoundPoint:
    # Built from the results, never from the tally: hidden results hold nothing to copy.
    return RoundPoint(
        number=tally.number,
        closed_at=tally.closed_at,
        respondents=results.respondents,
        threshold=results.threshold,
        shares=results.shares,
        recommended=results.recommended,
    )


def _score_changes(before: PulseResults, now: PulseResults) -> tuple[ScoreChange, ...]:
    earlier = {model.id: share for model, share in before.shares}
    return tuple(
        ScoreChange(model, earlier[model.id], share)
        for model, share in now.shares
        if model.id in earlier
    )


def _question_changes(before: PulseResults, now: PulseResults) -> tuple[QuestionChange, ...]:
    # A question nobody answered in one of the rounds has shares of 0 there, not a position
    # the team moved from or to: it is left out rather than shown as a big move.
    earlier = {result.question.id: result for result in before.questions if result.answered}
    changes = (
        _question_change(earlier[result.question.id], result)
        for result in now.questions
        if result.answered and result.question.id in earlier
    )
    return tuple(sorted(changes, key=lambda change: -change.moved))  # stable: survey order


def _question_change(before: QuestionResult, now: QuestionResult) -> QuestionChange:
    # Both results come from today's knowledge, so they list the same options in one order.
    options = tuple(
        OptionChange(then.option, then.share, today.share)
        for then, today in zip(before.options, now.options, strict=True)
    )
    return QuestionChange(
        question=now.question,
        options=options,
        top_before=before.top.option if before.top else None,
        top_now=now.top.option if now.top else None,
        moved=max((abs(change.now - change.before) for change in options), default=0.0),
    )


def trend_rows(trend: Trend) -> list[list[str]]:
    """The trend as CSV rows: a header, then one row per round, oldest first: its number, the
    date it closed (ISO, in the time zone it was given in), respondents, threshold, whether it
    met it ("yes"/"no"), each model's share (`share_<model id>`, 0-1, three decimals) and the
    recommended model's id. A round below its threshold has empty share and recommendation
    cells. Every cell is a number, a date or a knowledge id, so none reads as a spreadsheet
    formula."""
    header = ["round", "closed", "respondents", "threshold", "met"]
    header += [f"share_{model.id}" for model in trend.models]
    return [[*header, "recommended"], *(_row(point, trend.models) for point in trend.points)]


def _row(point: RoundPoint, models: Sequence[OwnershipModel]) -> list[str]:
    shares: Mapping[str, float] = {model.id: share for model, share in point.shares}
    cells = [str(point.number), point.closed_at.date().isoformat()]
    cells += [str(point.respondents), str(point.threshold), "yes" if point.met else "no"]
    cells += [f"{shares[m.id]:.3f}" if m.id in shares else "" for m in models]
    return [*cells, point.recommended.id if point.recommended else ""]
