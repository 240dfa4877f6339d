"""The Teams side of team pulse surveys: `@bot pulse ...` in a channel or group chat, and the
buttons of the survey cards. The dispatch (`dispatch.py`) hands these turns over to `TeamsPulse`.

The flow: `pulse` posts the survey card in the thread it was asked in. "Answer privately" makes
the bot write to that person in their private chat with the questions card; "Send my answers"
there records them and the runner soon redraws the channel card with the new count. Closing
(the card's button, `pulse close`, or the deadline) posts the results in the card's thread.

Anonymity, by construction: on these paths the person's id goes only to the service (which
keys it into a per-survey hash) and to Teams itself (to open the private chat). Nothing stores
or even looks up their conversation reference, no delivery key is recorded, nothing is posted
in the channel about who answered, and the logs carry the survey id and the outcome only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.engine.replies import NoticeLevel
from bot.handlers import failures
from bot.handlers.teams.activities import fenced_markdown, to_activity
from bot.handlers.teams.cards_pulse import questions_card, survey_card
from bot.handlers.teams.export_file import (
    UploadFailed,
    consent_activity,
    file_info_activity,
    parse_consent,
    upload,
)
from bot.handlers.teams.proactive import Proactive, thread_reference
from bot.handlers.teams.pulse_args import PulseRequest, PulseUsage, parse_pulse
from bot.handlers.teams.pulse_compare import TeamsPulseCompare
from bot.handlers.teams.pulse_publisher import TeamsPulsePublisher, survey_message
from bot.handlers.teams.pulse_series import TeamsPulseSeries
from bot.handlers.teams.render import notice_activity
from bot.handlers.teams.submit import Submitted
from bot.handlers.teams.translate import (
    PERSONAL,
    PLATFORM,
    base_conversation,
    conversation_type,
    tenant_of,
    user_ids,
    user_of,
)
from bot.pulse.runner import PulseRunner
from bot.pulse.service import (
    AnswerStatus,
    CloseStatus,
    LaunchOptions,
    NotAllowed,
    PulseError,
    PulseService,
)
from bot.views import catalogue
from storage.pulse import SurveyRecord, SurveyStatus

log = logging.getLogger(__name__)

# A Teams message carries about 28 KB; the export of a knowledge's pulse is a few KB.
MAX_EXPORT = 20_000
_RECORDED = frozenset({AnswerStatus.RECORDED, AnswerStatus.REPLACED})


class TeamsPulse:
    def __init__(
        self,
        service: PulseService,
        runner: PulseRunner,
        proactive: Proactive,
        publisher: TeamsPulsePublisher,
        series: TeamsPulseSeries,
        compare: TeamsPulseCompare,
    ) -> None:
        self._compare_with = compare
        self._series = series
        self._service = service
        self._runner = runner
        self._proactive = proactive
        self._publisher = publisher

    # --- entry points from the bot ----------------------------------------------------------

    async def on_text(self, turn_context: TurnContext, text: str) -> None:
        """`pulse ...` (the mention removed) in any conversation."""
        if conversation_type(turn_context.activity) == PERSONAL:
            await _notice(turn_context, catalogue.PULSE_IN_A_CHANNEL)
            return
        try:
            request = parse_pulse(text)
        except PulseUsage as usage:
            await _notice(turn_context, str(usage), NoticeLevel.WARNING)
            return
        await self._guarded(
            turn_context, request.action, catalogue.SORRY, self._request(turn_context, request)
        )

    async def on_submit(self, turn_context: TurnContext, submitted: Submitted | None) -> None:
        """A pulse button: "Answer privately", "Close survey" or "Send my answers"."""
        if submitted is None:
            await _notice(turn_context, catalogue.UNKNOWN_SURVEY, NoticeLevel.WARNING)
        elif submitted.kind == "pulse_send":
            job = self._answer(turn_context, submitted)
            await self._guarded(turn_context, "answer", catalogue.ANSWERS_NOT_SAVED, job)
        elif submitted.kind == "pulse_answer":
            await self._guarded(
                turn_context, "form", catalogue.SORRY, self._form(turn_context, submitted)
            )
        elif submitted.kind == "pulse_compare":
            job = self._compare_with.pressed(turn_context, submitted.survey_id)
            await self._guarded(turn_context, "compare", catalogue.SORRY, job)
        elif submitted.kind == "pulse_close":
            await self._guarded(
                turn_context, "close", catalogue.SORRY, self._close_button(turn_context, submitted)
            )
        else:
            await _notice(turn_context, catalogue.UNKNOWN_SURVEY, NoticeLevel.WARNING)

    async def _guarded(
        self, turn_context: TurnContext, action: str, sorry: str, job: Awaitable[None]
    ) -> None:
        """Run `job`; a bug is handled by the survey rule of `bot.handlers.failures` and
        answered with an apology, not a trace."""
        try:
            await job
        except Exception as error:
            failures.survey_failed(PLATFORM, action, error)
            await _notice(turn_context, sorry, NoticeLevel.ERROR)

    # --- in the channel -----------------------------------------------------------------------

    async def _request(self, turn_context: TurnContext, request: PulseRequest) -> None:
        if request.action == "launch" and request.cadence is not None:
            await self._series.start(turn_context, request)
        elif request.action == "launch":
            await self._launch(turn_context, request)
        elif request.action == "series":
            await self._series.list(turn_context)
        elif request.action in ("pause", "resume", "stop"):
            await self._series.change(turn_context, request)
        elif request.action == "trend":
            await self._series.trend(turn_context)
        elif request.action == "compare":
            await self._compare(turn_context)
        elif request.action == "close":
            await self._close_latest(turn_context)
        elif request.action == "results":
            await self._results(turn_context)
        elif request.action == "export":
            await self._export(turn_context)
        else:
            await _notice(turn_context, catalogue.PULSE_USAGE)

    async def _launch(self, turn_context: TurnContext, request: PulseRequest) -> None:
        activity = turn_context.activity
        deadline = self._service.now() + request.duration if request.duration else None
        options = LaunchOptions(deadline, request.threshold, request.remind)
        where = base_conversation(activity)
        try:
            survey = await self._service.launch(
                PLATFORM, tenant_of(activity), where, user_of(activity), options
            )
        except PulseError as refused:
            await _notice(turn_context, str(refused), NoticeLevel.WARNING)
            return
        try:
            response = await turn_context.send_activity(to_activity(survey_card(survey, 0)))
        except Exception:
            await self._service.withdraw(survey.id)
            raise
        card_id = getattr(response, "id", None) or None
        await self._service.posted(survey.id, survey_message(thread_reference(activity), card_id))
        self._runner.launched(survey)

    async def _close_latest(self, turn_context: TurnContext) -> None:
        survey = await self._latest(turn_context, SurveyStatus.OPEN)
        if survey is None:
            await _notice(turn_context, catalogue.NO_OPEN_SURVEY)
            return
        await self._close(turn_context, survey)

    async def _close_button(self, turn_context: TurnContext, submitted: Submitted) -> None:
        survey = await self._survey(turn_context, submitted.survey_id)
        if survey is None:
            await _notice(turn_context, catalogue.UNKNOWN_SURVEY, NoticeLevel.WARNING)
            return
        await self._close(turn_context, survey)

    async def _close(self, turn_context: TurnContext, survey: SurveyRecord) -> None:
        """Close for the launcher or an admin; the runner posts the results in the card's
        thread and redraws the card. Anyone else is told who may (and nothing about answers)."""
        activity = turn_context.activity
        try:
            result = await self._runner.close(
                survey, user_of(activity), admin=self._admin(activity)
            )
        except NotAllowed as refused:
            await _notice(turn_context, str(refused))
            return
        if result.status is CloseStatus.ALREADY_CLOSED:
            await _notice(turn_context, catalogue.ALREADY_CLOSED)

    async def _results(self, turn_context: TurnContext) -> None:
        survey = await self._latest(turn_context, SurveyStatus.CLOSED)
        if survey is None:
            await _notice(turn_context, catalogue.NO_CLOSED_SURVEY)
            return
        if survey.series_id is not None:
            await self._series.trend(turn_context)  # a round's results come with their trend
            return
        results = self._service.results(survey)
        await turn_context.send_activity(await self._publisher.results_activity(survey, results))

    async def _compare(self, turn_context: TurnContext) -> None:
        """`pulse compare`: the person's diagnostic beside the latest results, privately."""
        await self._compare_with.latest(turn_context)

    async def _export(self, turn_context: TurnContext) -> None:
        """The aggregate CSV as a file, for the launcher or an admin: a file consent card in
        their private chat (`export_file`); the file itself comes once they allow it."""
        survey = await self._latest(turn_context, SurveyStatus.CLOSED)
        if survey is None:
            await _notice(turn_context, catalogue.NO_CLOSED_SURVEY)
            return
        csv = await self._csv_for(turn_context, survey)
        if csv is None:
            return
        offer = consent_activity(
            survey.id, export_filename(survey), len(csv_bytes(csv)), catalogue.EXPORT_ABOUT
        )
        if not await self._private(turn_context, offer, catalogue.EXPORT_NOT_REACHED):
            return
        await _notice(turn_context, catalogue.export_sent(catalogue.OUR_PRIVATE_CHAT))

    async def _csv_for(self, turn_context: TurnContext, survey: SurveyRecord) -> str | None:
        """The survey's CSV for the person asking, or None once told why not (not theirs,
        results hidden below the threshold)."""
        activity = turn_context.activity
        try:
            return await self._service.export_csv(
                survey,
                user_of(activity),
                admin=self._admin(activity),
                trend=await self._series.trend_of(survey),
            )
        except PulseError as refused:
            await _notice(turn_context, str(refused))
            return None

    async def on_file_consent(self, turn_context: TurnContext) -> None:
        """The person's answer to an export's file consent card (a `fileConsent/invoke` in
        their private chat): allowed, the file is uploaded and shown; declined, the same counts
        come as text. Their right to export is checked again: the card may be old."""
        await self._guarded(
            turn_context, "export", catalogue.SORRY, self._file_consent(turn_context)
        )

    async def _file_consent(self, turn_context: TurnContext) -> None:
        answer = parse_consent(turn_context.activity.value)
        if answer is None:
            await _notice(turn_context, catalogue.UNKNOWN_SURVEY, NoticeLevel.WARNING)
            return
        survey = await self._survey(turn_context, answer.survey_id)
        if survey is None:
            await _notice(turn_context, catalogue.UNKNOWN_SURVEY, NoticeLevel.WARNING)
            return
        csv = await self._csv_for(turn_context, survey)
        if csv is None:
            return
        if not answer.accepted:
            log.info("pulse export declined survey=%s", survey.id)
            await turn_context.send_activity(export_activity(csv, catalogue.EXPORT_DECLINED))
            return
        try:
            await upload(answer.upload_url, csv_bytes(csv))
        except UploadFailed as failed:
            log.warning("pulse export upload failed survey=%s error=%s", survey.id, failed)
            await turn_context.send_activity(export_activity(csv, catalogue.EXPORT_UPLOAD_FAILED))
            return
        log.info("pulse export uploaded survey=%s", survey.id)
        await turn_context.send_activity(file_info_activity(answer, catalogue.EXPORT_SAVED))

    # --- in the private chat ----------------------------------------------------------------

    async def _form(self, turn_context: TurnContext, submitted: Submitted) -> None:
        """ "Answer privately": the questions card (or why there is none) in the person's
        private chat, never a word in the channel."""
        activity = turn_context.activity
        survey = await self._survey(turn_context, submitted.survey_id)
        if survey is None:
            reply = notice_activity(catalogue.UNKNOWN_SURVEY, NoticeLevel.WARNING)
        elif not self._service.is_open(survey):
            reply = notice_activity(catalogue.CLOSED_SURVEY)
        else:
            previous = await self._service.previous_answers(survey, user_of(activity))
            questions = self._service.questions(survey)
            reply = to_activity(questions_card(survey, questions, previous))
        if conversation_type(activity) == PERSONAL:
            await turn_context.send_activity(reply)
        else:
            await self._private(turn_context, reply, catalogue.PULSE_NOT_REACHED)

    async def _answer(self, turn_context: TurnContext, submitted: Submitted) -> None:
        activity = turn_context.activity
        result = await self._service.answer(
            submitted.survey_id, tenant_of(activity), user_of(activity), dict(submitted.answers)
        )
        if result.status in _RECORDED and result.survey is not None:
            self._runner.counted(result.survey)
        level = NoticeLevel.INFO if result.status in _RECORDED else NoticeLevel.WARNING
        await _notice(turn_context, result.message, level)

    async def _private(self, turn_context: TurnContext, reply: Activity, failed: str) -> bool:
        """Send `reply` to the sender's private chat; False, with the note `failed` in the
        conversation, when Teams refuses (the app not installed for them, a 429, ...)."""
        if not await self._proactive.to_sender(turn_context, reply):
            await _notice(turn_context, failed, NoticeLevel.WARNING)
            return False
        return True

    # --- reading --------------------------------------------------------------------------------

    async def _survey(self, turn_context: TurnContext, survey_id: str) -> SurveyRecord | None:
        """The survey a button names, if it is one of this tenant's Teams surveys."""
        return await self._service.pressed(survey_id, PLATFORM, tenant_of(turn_context.activity))

    async def _latest(self, turn_context: TurnContext, status: SurveyStatus) -> SurveyRecord | None:
        activity = turn_context.activity
        return await self._service.latest(
            PLATFORM, tenant_of(activity), base_conversation(activity), status
        )

    def _admin(self, activity: Activity) -> bool:
        """ADMIN_USERS may list a person by AAD object id or by Teams user id."""
        return any(self._service.is_admin(user) for user in user_ids(activity))


def export_activity(csv: str, title: str) -> Activity:
    """The CSV in a fenced code block below `title` (when no file could be or was to be sent);
    the fence is longer than any backtick run in the text (knowledge labels are admin-edited),
    so nothing can close it early."""
    text = csv if len(csv) <= MAX_EXPORT else csv[:MAX_EXPORT] + "\n…"
    return fenced_markdown(title, text.rstrip())


def export_filename(survey: SurveyRecord) -> str:
    return f"team-pulse-{survey.id[:8]}.csv"


def csv_bytes(csv: str) -> bytes:
    """UTF-8 with a byte order mark: Excel opens a CSV without one in the local code page and
    garbles every accented label."""
    return csv.encode("utf-8-sig")


async def _notice(
    turn_context: TurnContext, text: str, level: NoticeLevel = NoticeLevel.INFO
) -> None:
    await turn_context.send_activity(notice_activity(text, level))
