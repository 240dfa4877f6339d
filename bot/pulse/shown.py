"""A stored survey as its views see it: what `bot.views.pulse` needs, and nothing that would
make the views depend on storage."""

from __future__ import annotations

from bot.views.pulse import SurveyView
from storage.pulse import SurveyRecord, SurveyStatus


def survey_view(survey: SurveyRecord) -> SurveyView:
    return SurveyView(
        id=survey.id,
        questions=len(survey.question_ids),
        threshold=survey.threshold,
        deadline=survey.deadline,
        closed_at=survey.closed_at,
        remind=survey.remind_at is not None,
        closed=survey.status is SurveyStatus.CLOSED,
        round_number=survey.round_number,
    )
