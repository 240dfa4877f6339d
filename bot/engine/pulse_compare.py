"""You and your team: one person's own diagnostic answers set beside their team's pulse results.

Shown only to the person asking, and built only from their own answers and the team's results
as the results already show them: every team number here is one of `PulseResults`' own (the
same `QuestionResult` values, the same shares), so the comparison says nothing about any other
person that the results card does not. The team's numbers may include the person's own pulse
answer: the results are anonymous, so there is no taking it out.

Like is compared with like: the person is scored on the pulse questions alone (their answers
to the questions the team answered), with the team's rules (`score_counts`, a team of one), so
"your scores" and "the team's scores" weigh the same questions the same way. Their diagnostic's
own recommendation, over every question they answered, is given apart (`diagnostic_model`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.engine.index import KnowledgeIndex
from bot.engine.pulse import PulseResults, QuestionResult
from bot.engine.scoring import Answered, Scoring, score, score_counts
from bot.engine.summary import snippets_behind
from bot.knowledge.model import Knowledge, Option, OwnershipModel, Question, Snippet

# The most differences shown, and the fewest when there are at least that many to show.
MOST_DIFFERENCES = 3
FEWEST_DIFFERENCES = 2
# A question counts as a marked difference from this distance on: your answer is, on average,
# more unlike a teammate's answer than like it (with options that share no model, fewer than
# half the team chose as you did). The third difference is shown only when it is marked.
MARKED_DISTANCE = 0.5
# Distances are sums of float shares: below this they are no difference at all.
_NO_DISTANCE = 1e-9


@dataclass(frozen=True)
class QuestionComparison:
    """One pulse question: your answer beside the team's distribution. `yours` is None when you
    skipped it or your option no longer exists; `share_like_you` and `distance` are None then,
    and when nobody in the team answered the question."""

    question: Question
    yours: Option | None
    team: QuestionResult  # the results' own value, unchanged
    share_like_you: float | None  # of the team's answers to this question, the share like yours
    distance: float | None  # 0 (as the whole team answered) to 1: see `_distance`


@dataclass(frozen=True)
class Difference:
    """A question where you differ most from the team, and the article point behind your
    answer: the case for the model your answer leans to (`toward`)."""

    comparison: QuestionComparison
    toward: OwnershipModel | None
    point: Snippet | None


@dataclass(frozen=True)
class ScorePair:
    """A model's score for you and for the team, each a share (0-1) of its own total weight."""

    model: OwnershipModel
    yours: float
    team: float


@dataclass(frozen=True)
class Comparison:
    questions: tuple[QuestionComparison, ...]  # in the survey's order
    scores: tuple[ScorePair, ...]  # every model, the team's best first
    differences: tuple[Difference, ...]  # where you differ most, most first
    your_model: OwnershipModel | None  # on the pulse questions; None if you answered none
    team_model: OwnershipModel | None  # the results' recommendation
    same_model: bool  # both exist and are the same
    diagnostic_model: OwnershipModel | None  # your diagnostic's, over all your answers


def compare(
    answers: Mapping[str, str | None], results: PulseResults, index: KnowledgeIndex
) -> Comparison:
    """Compare one person's diagnostic answers (question id -> option id, None when skipped)
    with their team's pulse results. Raises ValueError for results below the anonymity
    threshold: they carry no numbers to compare with, and the service must not offer it."""
    if not results.visible:
        raise ValueError("results below the anonymity threshold cannot be compared")
    knowledge = index.knowledge
    questions = tuple(_compare_question(result, answers) for result in results.questions)
    yours = _score_pulse(questions, knowledge)
    your_model = knowledge.model(yours.recommended) if yours.answered else None
    team_model = results.recommended
    return Comparison(
        questions=questions,
        scores=_score_pairs(yours, results, knowledge),
        differences=_differences(questions, index),
        your_model=your_model,
        team_model=team_model,
        same_model=your_model is not None
        and team_model is not None
        and your_model.id == team_model.id,
        diagnostic_model=_diagnostic_model(answers, knowledge),
    )


def _compare_question(
    result: QuestionResult, answers: Mapping[str, str | None]
) -> QuestionComparison:
    option_id = answers.get(result.question.id)
    yours = result.question.option(option_id) if option_id else None
    if yours is None or result.answered == 0:
        return QuestionComparison(result.question, yours, result, None, None)
    like_you = next(item.share for item in result.options if item.option.id == yours.id)
    return QuestionComparison(result.question, yours, result, like_you, _distance(yours, result))


def _distance(yours: Option, team: QuestionResult) -> float:
    """How far your answer is from the team's: the average, over the team's answers, of how
    unlike yours each is, where two options are as unlike as their weights' mixes of models
    (total variation between the shares of weight each gives every model: 0 for the same
    option, 1 for options that share no model).

    Not simply 1 - share_like_you: that counts every other answer as wholly different, so "some
    of each" against a team that chose "the platform" would rank with "new value", though the
    shared answer half agrees. With options that share no model the two are equal."""
    mine = _mix(yours)
    return sum(item.share * _unlike(mine, _mix(item.option)) for item in team.options)


def _mix(option: Option) -> dict[str, float]:
    total = sum(option.weights.values())
    return {m: w / total for m, w in option.weights.items()} if total else {}


def _unlike(first: Mapping[str, float], second: Mapping[str, float]) -> float:
    models = first.keys() | second.keys()
    return sum(abs(first.get(m, 0.0) - second.get(m, 0.0)) for m in models) / 2


def _score_pulse(questions: tuple[QuestionComparison, ...], knowledge: Knowledge) -> Scoring:
    """Your answers to the pulse questions, scored as a team of one (the same points as the
    diagnostic's scoring; a model is named once any question is answered, as for the team)."""
    counts = {
        item.question.id: {item.yours.id: 1} if item.yours is not None else {} for item in questions
    }
    return score_counts(counts, knowledge)


def _score_pairs(
    yours: Scoring, results: PulseResults, knowledge: Knowledge
) -> tuple[ScorePair, ...]:
    """Every model, in the team's order (then the knowledge's, for any the results lack: with
    nobody answering they have no shares). A side with no answers scores 0 everywhere."""
    team = {model.id: share for model, share in results.shares}
    ranked = [model for model, _ in results.shares]
    ranked += [model for model in knowledge.models if model.id not in team]
    return tuple(
        ScorePair(model, yours.shares.get(model.id, 0.0), team.get(model.id, 0.0))
        for model in ranked
    )


def _differences(
    questions: tuple[QuestionComparison, ...], index: KnowledgeIndex
) -> tuple[Difference, ...]:
    """The questions you answered differently from the team, the furthest first (ties in the
    survey's order): three when three differ markedly, otherwise two, or what there is."""
    differing = sorted(
        (
            (item, item.yours, item.distance)
            for item in questions
            if item.yours is not None and item.distance is not None and item.distance > _NO_DISTANCE
        ),
        key=lambda found: -found[2],  # a stable sort: ties keep the survey's order
    )
    marked = sum(1 for *_, distance in differing if distance >= MARKED_DISTANCE)
    shown = differing[: MOST_DIFFERENCES if marked >= MOST_DIFFERENCES else FEWEST_DIFFERENCES]
    chosen: list[Difference] = []
    for item, yours, _ in shown:
        used = [difference.point for difference in chosen if difference.point is not None]
        chosen.append(_difference(item, yours, index, used))
    return tuple(chosen)


def _difference(
    item: QuestionComparison, yours: Option, index: KnowledgeIndex, used: list[Snippet]
) -> Difference:
    """The point behind your answer, found as the summary finds the reasons behind an answer
    (`summary.snippets_behind`: the snippet the option echoes, the question's, then its
    dimension's).

    Yours rather than the team's: the comparison is shown only to you, the team's view is on
    the results card for everyone, and what you can bring to the team's discussion is the case
    for your own answer, said the way your diagnostic summary said it. Among those points, one
    that does not also argue for the model of the team's most chosen answer, so it is the case
    for the difference, and one not already given for another difference."""
    model_id = _leaning(yours)
    if model_id is None:
        return Difference(item, None, None)
    candidates = snippets_behind(index, Answered(item.question, yours), model_id)
    fresh = [snippet for snippet in candidates if snippet not in used]
    team_top = item.team.top
    team_leaning = _leaning(team_top.option) if team_top is not None else None
    other = [s for s in fresh if team_leaning == model_id or team_leaning not in s.models]
    point = next(iter(other or fresh or candidates), None)
    return Difference(item, index.knowledge.model(model_id), point)


def _leaning(option: Option) -> str | None:
    """The model an option weighs most (the first listed, when several tie)."""
    return option.leaning() or max(option.weights, key=lambda m: option.weights[m], default=None)


def _diagnostic_model(
    answers: Mapping[str, str | None], knowledge: Knowledge
) -> OwnershipModel | None:
    """What the person's diagnostic recommended, as their summary said it (a first impression
    included); None when none of their answers still means anything."""
    scoring = score(answers, knowledge)
    return knowledge.model(scoring.recommended) if scoring.answered else None
