"""You vs your team: a person's latest diagnostic joined with a closed survey's results, for
that person only (`bot.engine.pulse_compare` compares; `bot.views.pulse_compare` draws it).

The survey is checked before the person's results are read: an unknown, open or hidden survey
says why without touching anyone's data. The logs carry the survey id and the outcome, never a
user id or an answer. Messages are user-facing (`bot.views.catalogue`): adapters show them as
they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.engine.index import KnowledgeIndex, index_for
from bot.engine.pulse_compare import Comparison, compare
from bot.knowledge.model import Knowledge
from bot.pulse.service import PulseService
from bot.service import AdvisorService
from bot.views import catalogue
from storage.conversations import ConversationKey
from storage.pulse import SurveyRecord, SurveyStatus

log = logging.getLogger(__name__)


class CompareStatus(StrEnum):
    SHOWN = "shown"
    UNKNOWN = "unknown"  # no such survey (or not the asker's workspace: the adapter says None)
    OPEN = "open"  # no results yet
    HIDDEN = "hidden"  # fewer answers than the threshold: no numbers to compare with
    NO_DIAGNOSTIC = "no_diagnostic"


@dataclass(frozen=True)
class CompareResult:
    status: CompareStatus
    message: str = ""  # why there is no comparison; "" when SHOWN
    comparison: Comparison | None = None
    index: KnowledgeIndex | None = None  # for the article points' sources


class PulseComparer:
    def __init__(
        self,
        pulse: PulseService,
        advisor: AdvisorService,
        knowledge: Callable[[], Knowledge],
    ) -> None:
        self._pulse = pulse
        self._advisor = advisor
        self._knowledge = knowledge

    async def compare(self, survey: SurveyRecord | None, person: ConversationKey) -> CompareResult:
        """`person`'s latest diagnostic beside `survey`'s results, or why not."""
        result = await self._compare(survey, person)
        log.info("pulse compare survey=%s outcome=%s", survey.id if survey else "-", result.status)
        return result

    async def _compare(self, survey: SurveyRecord | None, person: ConversationKey) -> CompareResult:
        if survey is None:
            return CompareResult(CompareStatus.UNKNOWN, catalogue.UNKNOWN_SURVEY)
        if survey.status is not SurveyStatus.CLOSED or survey.tally is None:
            return CompareResult(CompareStatus.OPEN, catalogue.COMPARE_WHEN_CLOSED)
        results = self._pulse.results(survey)
        if not results.visible:
            hidden = catalogue.results_hidden(results.respondents, results.threshold)
            return CompareResult(CompareStatus.HIDDEN, catalogue.compare_hidden(hidden))
        assessment = await self._advisor.latest_assessment(person)
        if assessment is None or not any(assessment.answers.values()):
            return CompareResult(CompareStatus.NO_DIAGNOSTIC, catalogue.COMPARE_NO_DIAGNOSTIC)
        index = index_for(self._knowledge())
        return CompareResult(
            CompareStatus.SHOWN,
            comparison=compare(assessment.answers, results, index),
            index=index,
        )
