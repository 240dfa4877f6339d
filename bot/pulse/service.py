"""The pulse survey service: launch, answer, close and read a survey, with the permission and
anonymity rules in one place. Platform adapters call it and draw what it returns; storage is a
`PulseStore`. Its messages are user-facing (written in `bot.views.catalogue`): adapters show
them as they are.

Nothing here logs a user id or an answer: a respondent appears in the logs, the database and
the results only as the survey's count.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.engine.pulse import (
    PulseAnswerError,
    PulseResults,
    check_answers,
    pulse_questions,
    pulse_results,
    results_csv,
)
from bot.engine.pulse_trend import Trend, trend_rows
from bot.knowledge.model import Knowledge, Question
from bot.observability import record
from bot.pulse.keys import PulseKeys
from bot.service import utc_now
from bot.views import catalogue
from storage.pulse import (
    PulseStore,
    ResponseOutcome,
    SurveyRecord,
    SurveyStatus,
)

log = logging.getLogger(__name__)

DEFAULT_DURATION = timedelta(days=3)
REMEMBERED_SURVEYS = 1000
LONGEST_DURATION = timedelta(days=90)
DEFAULT_THRESHOLD = 5
# Below three, a result could single a person out ("the two of us disagreed").
MIN_THRESHOLD = 3
MAX_THRESHOLD = 10_000
# The one reminder goes a day before the deadline, or halfway for surveys shorter than 2 days.
REMIND_BEFORE = timedelta(days=1)


class PulseError(Exception):
    """Something the user asked for cannot be done; the message says why and what to do."""


class NotAllowed(PulseError):
    """Only the survey's launcher or an admin may do this."""


@dataclass(frozen=True)
class LaunchOptions:
    deadline: datetime | None = None  # None: three days from now
    threshold: int = DEFAULT_THRESHOLD
    remind: bool = False


class AnswerStatus(StrEnum):
    RECORDED = "recorded"  # a first answer
    REPLACED = "replaced"  # a changed answer
    CLOSED = "closed"
    UNKNOWN = "unknown"
    INVALID = "invalid"  # not every question answered, or an unknown option


@dataclass(frozen=True)
class AnswerResult:
    status: AnswerStatus
    message: str
    survey: SurveyRecord | None = None
    # INVALID: each question's own message by question id, for a form to show by the field.
    problems: Mapping[str, str] = field(default_factory=dict)


class CloseStatus(StrEnum):
    CLOSED_NOW = "closed_now"
    ALREADY_CLOSED = "already_closed"


@dataclass(frozen=True)
class CloseResult:
    status: CloseStatus
    survey: SurveyRecord


class PulseService:
    def __init__(
        self,
        repository: PulseStore,
        knowledge: Callable[[], Knowledge],
        keys: PulseKeys,
        admins: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._repository = repository
        self._knowledge = knowledge
        self._keys = keys
        self._admins = admins
        self._clock = clock
        self._surveys: dict[str, SurveyRecord] = {}
        self._loading: dict[str, asyncio.Future[SurveyRecord | None]] = {}

    def now(self) -> datetime:
        return self._clock()

    @property
    def keys(self) -> PulseKeys:
        """The survey keys, for "forget me" (`bot.forget`) to find a person's answers."""
        return self._keys

    # --- launching ------------------------------------------------------------------------

    async def launch(
        self, platform: str, workspace: str, channel: str, launcher: str, options: LaunchOptions
    ) -> SurveyRecord:
        """A new open survey of the knowledge's pulse questions. The adapter posts its card
        and then calls `posted` (or `withdraw` when the card could not be posted)."""
        knowledge = self._knowledge()
        questions = knowledge.pulse_questions
        if not questions:
            raise PulseError(catalogue.NO_PULSE_QUESTIONS)
        now = self._clock()
        deadline = check_launch(options, now)
        survey = SurveyRecord(
            id=uuid.uuid4().hex,
            platform=platform,
            workspace=workspace,
            channel=channel,
            launcher_key=self._keys.launcher(platform, workspace, launcher),
            question_ids=tuple(question.id for question in questions),
            knowledge_version=knowledge.version,
            threshold=options.threshold,
            created_at=now,
            deadline=deadline,
            remind_at=reminder_time(now, deadline) if options.remind else None,
        )
        await self._repository.create_survey(survey)
        log.info(
            "pulse launched survey=%s platform=%s workspace=%s", survey.id, platform, workspace
        )
        return survey

    async def posted(self, survey_id: str, message: Mapping[str, object]) -> None:
        await self._repository.set_survey_message(survey_id, dict(message))

    async def withdraw(self, survey_id: str) -> None:
        await self._repository.delete_survey(survey_id)
        log.info("pulse withdrawn survey=%s", survey_id)

    # --- reading ----------------------------------------------------------------------------

    async def survey(self, survey_id: str) -> SurveyRecord | None:
        return await self._repository.load_survey(survey_id)

    async def pressed(self, survey_id: str, platform: str, workspace: str) -> SurveyRecord | None:
        """The survey a button names, if it is one of `workspace`'s on `platform`: a button's
        value can be forged, and a press never reaches another workspace's survey."""
        survey = await self._repository.load_survey(survey_id[:64])
        if survey is None or (survey.platform, survey.workspace) != (platform, workspace):
            return None
        return survey

    async def latest(
        self, platform: str, workspace: str, channel: str, status: SurveyStatus | None = None
    ) -> SurveyRecord | None:
        return await self._repository.latest_survey(platform, workspace, channel, status)

    def questions(self, survey: SurveyRecord) -> tuple[Question, ...]:
        return pulse_questions(survey.question_ids, self._knowledge())

    async def count(self, survey_id: str) -> int:
        return await self._repository.count_responses(survey_id)

    def is_open(self, survey: SurveyRecord) -> bool:
        return survey.status is SurveyStatus.OPEN and self._clock() < survey.deadline

    async def previous_answers(self, survey: SurveyRecord, user: str) -> dict[str, str] | None:
        """What this person answered so far, to show them (and only them) in the form."""
        key = self._keys.respondent(survey.platform, survey.workspace, survey.id, user)
        return await self._repository.load_response(survey.id, key)

    def results(self, survey: SurveyRecord) -> PulseResults:
        """A closed survey's results (only counts, and nothing of them below the threshold)."""
        tally = survey.tally
        if survey.status is not SurveyStatus.CLOSED or tally is None:
            raise PulseError(catalogue.RESULTS_WHEN_CLOSED)
        return pulse_results(
            tally.respondents,
            tally.counts,
            survey.question_ids,
            self._knowledge(),
            survey.threshold,
        )

    # --- answering --------------------------------------------------------------------------

    async def answer(
        self, survey_id: str, workspace: str, user: str, answers: Mapping[str, str]
    ) -> AnswerResult:
        survey = await self._known_survey(survey_id)
        if survey is None or survey.workspace != workspace:
            return AnswerResult(AnswerStatus.UNKNOWN, catalogue.UNKNOWN_SURVEY)
        if not self.is_open(survey):
            return AnswerResult(AnswerStatus.CLOSED, catalogue.CLOSED_SURVEY, survey)
        try:
            clean = check_answers(answers, self.questions(survey))
        except PulseAnswerError as error:
            return AnswerResult(AnswerStatus.INVALID, str(error), survey, error.problems)
        key = self._keys.respondent(survey.platform, survey.workspace, survey.id, user)
        # With reminders on, the person is marked "responded" in the answer's transaction, by
        # a member key of its own label (`storage.reminders`), never joinable with `key`.
        member = (
            None
            if survey.remind_at is None
            else self._keys.member(survey.platform, survey.workspace, survey.id, user)
        )
        outcome = await self._repository.record_response(
            survey.id, key, clean, self._clock(), member
        )
        record.survey_response(survey.platform, outcome.value)
        log.info("pulse response survey=%s outcome=%s", survey.id, outcome.value)
        if outcome is ResponseOutcome.UNKNOWN:
            return AnswerResult(AnswerStatus.UNKNOWN, catalogue.UNKNOWN_SURVEY)
        if outcome is ResponseOutcome.CLOSED:
            return AnswerResult(AnswerStatus.CLOSED, catalogue.CLOSED_SURVEY, survey)
        if outcome is ResponseOutcome.REPLACED:
            return AnswerResult(AnswerStatus.REPLACED, catalogue.ANSWERS_UPDATED, survey)
        return AnswerResult(AnswerStatus.RECORDED, catalogue.ANSWERS_IN, survey)

    async def _known_survey(self, survey_id: str) -> SurveyRecord | None:
        """The survey, from this process's memory when it was read before. Only what never
        changes is used from it (workspace, questions, deadline; a closed survey stays closed):
        whether it is still open is decided again by `record_response`, in its transaction.
        Saves a database read per answer under a burst; and the first answers of a burst, which
        all arrive before the first read returns, share that one read."""
        survey = self._surveys.get(survey_id)
        if survey is not None:
            return survey
        loading = self._loading.get(survey_id)
        if loading is None:
            loading = asyncio.ensure_future(self._repository.load_survey(survey_id))
            self._loading[survey_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(survey_id, None))
        survey = await asyncio.shield(loading)
        if survey is not None:
            if len(self._surveys) >= REMEMBERED_SURVEYS:
                self._surveys.pop(next(iter(self._surveys)))
            self._surveys[survey_id] = survey
        return survey

    # --- managing ---------------------------------------------------------------------------

    def is_admin(self, user: str, *, platform_admin: bool = False) -> bool:
        return platform_admin or user in self._admins

    def may_manage(self, survey: SurveyRecord, user: str, *, admin: bool) -> bool:
        """The launcher, or an admin (ADMIN_USERS, or the platform's own admins)."""
        if self.is_admin(user, platform_admin=admin):
            return True
        return self._keys.launcher(survey.platform, survey.workspace, user) == survey.launcher_key

    async def close(self, survey: SurveyRecord, user: str, *, admin: bool) -> CloseResult:
        """Close it now, for its launcher or an admin; closing twice is no error."""
        if not self.may_manage(survey, user, admin=admin):
            raise NotAllowed(catalogue.NOT_YOURS_TO_CLOSE)
        return await self.close_now(survey)

    async def close_now(self, survey: SurveyRecord) -> CloseResult:
        """Close without a permission check: the deadline's own close."""
        closed = await self._repository.close_survey(survey.id, self._clock())
        if closed is not None:
            log.info("pulse closed survey=%s respondents=%d", closed.id, _respondents(closed))
            return CloseResult(CloseStatus.CLOSED_NOW, closed)
        latest = await self._repository.load_survey(survey.id)
        return CloseResult(CloseStatus.ALREADY_CLOSED, latest or survey)

    async def export_csv(
        self, survey: SurveyRecord, user: str, *, admin: bool, trend: Trend | None = None
    ) -> str:
        """The aggregate counts as CSV (never a row per person), for the launcher or an admin,
        once the survey is closed with enough answers; a round of a series adds one row per
        round of its `trend` (`bot.pulse.series.SeriesService.trend`)."""
        if not self.may_manage(survey, user, admin=admin):
            raise NotAllowed(catalogue.NOT_YOURS_TO_EXPORT)
        results = self.results(survey)
        if not results.visible:
            raise PulseError(hidden_text(results))
        return results_csv(results, trend_rows(trend) if trend is not None else ())


def check_launch(options: LaunchOptions, now: datetime) -> datetime:
    """The deadline to use, or PulseError saying what to change."""
    if not MIN_THRESHOLD <= options.threshold <= MAX_THRESHOLD:
        raise PulseError(catalogue.threshold_out_of_range(MIN_THRESHOLD, MAX_THRESHOLD))
    deadline = options.deadline or now + DEFAULT_DURATION
    if deadline.tzinfo is None:
        raise ValueError("the deadline must be timezone-aware")
    if deadline <= now:
        raise PulseError(catalogue.DEADLINE_PASSED)
    if deadline > now + LONGEST_DURATION:
        raise PulseError(catalogue.deadline_too_far(LONGEST_DURATION.days))
    return deadline


def reminder_time(now: datetime, deadline: datetime) -> datetime:
    return max(now + (deadline - now) / 2, deadline - REMIND_BEFORE)


def hidden_text(results: PulseResults) -> str:
    """What results below the anonymity threshold say instead of any count."""
    return catalogue.results_hidden(results.respondents, results.threshold)


def _respondents(survey: SurveyRecord) -> int:
    return survey.tally.respondents if survey.tally else 0
