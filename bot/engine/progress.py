"""What changed since the person's previous result, and the results before this one: the parts
of a summary that come from the stored results (the engine itself sees one conversation). The
service reads the stored results and hands them in as `PastResult` values.

A stored result names models, questions and options by id, and they are read with today's
knowledge: a renamed model or option shows its current name. What has left the knowledge since
shows as well as it can: a model by its stored id, an option (like a skipped question) as None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.engine.index import KnowledgeIndex
from bot.engine.replies import AnswerChange, HistoryEntry, ProgressView, ScoreChange, Summary
from bot.knowledge.model import Question

# The past results a summary lists, newest first.
HISTORY_LENGTH = 10


@dataclass(frozen=True)
class PastResult:
    """A completed diagnostic as it was stored."""

    completed_at: datetime
    recommended: str  # the model's id
    clarity: str  # a Clarity value
    answers: Mapping[str, str | None]  # question id -> option id; None: skipped
    scores: Mapping[str, float]  # model id -> share, 0-1


def with_past(
    summary: Summary,
    answers: Mapping[str, str | None],
    past: Sequence[PastResult],
    index: KnowledgeIndex,
) -> Summary:
    """`summary` (of `answers`) with its progress since the latest of `past` (None without
    one) and the history of `past`; `past` holds the results before this one, in any order."""
    newest = sorted(past, key=lambda result: result.completed_at, reverse=True)
    return replace(
        summary,
        progress=progress(newest[0], summary, answers, index) if newest else None,
        history=history(newest, index),
    )


def progress(
    previous: PastResult,
    summary: Summary,
    answers: Mapping[str, str | None],
    index: KnowledgeIndex,
) -> ProgressView:
    """From `previous` to `summary` (the result of `answers`): the model then and whether it
    changed, the share of every model of the summary then (0 for a model not scored then) and
    now, and the answers that changed, in question order."""
    return ProgressView(
        previous_date=previous.completed_at.date(),
        previous_model=index.model_name(previous.recommended),
        model_changed=previous.recommended != summary.recommended.id,
        scores=tuple(
            ScoreChange(score.model, previous.scores.get(score.model.id, 0.0), score.score)
            for score in summary.scores
        ),
        changed_answers=changed_answers(previous.answers, answers, index),
    )


def changed_answers(
    before: Mapping[str, str | None],
    after: Mapping[str, str | None],
    index: KnowledgeIndex,
) -> tuple[AnswerChange, ...]:
    """The questions of today's knowledge whose answer reads differently now, in their order.
    Answers are compared as today's labels: an option gone from the knowledge reads as None,
    like a skip, so a gone option then and a skip now is no change anyone could see."""
    changes = []
    for question in index.knowledge.questions:
        then = _label(question, before.get(question.id))
        now = _label(question, after.get(question.id))
        if then != now:
            changes.append(AnswerChange(index.dimension_name(question.dimension), then, now))
    return tuple(changes)


def history(
    past: Sequence[PastResult], index: KnowledgeIndex, limit: int = HISTORY_LENGTH
) -> tuple[HistoryEntry, ...]:
    """The newest `limit` of `past`, newest first: the date, the recommended model's name
    (its stored id if it has left the knowledge), the clarity, and that model's share then."""
    newest = sorted(past, key=lambda result: result.completed_at, reverse=True)[:limit]
    return tuple(
        HistoryEntry(
            date=result.completed_at.date(),
            model=index.model_name(result.recommended),
            clarity=result.clarity,
            share=result.scores.get(result.recommended, 0.0),
        )
        for result in newest
    )


def _label(question: Question, option_id: str | None) -> str | None:
    option = question.option(option_id) if option_id is not None else None
    return option.label if option is not None else None
