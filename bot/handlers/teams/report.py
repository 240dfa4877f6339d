"""The summary's "Download report" on Teams: the person's latest result as a one-page PDF, a file
offered in their private chat (`export_file`: the file consent flow, the only way a Teams bot
can send a file, and only in a one-to-one chat).

The press offers the file: a consent card naming it and its size. Allowed, Teams opens an upload
session in the person's OneDrive and says where (a `fileConsent/invoke`, routed here by the
card's context); the PDF is made again then, from the result stored for whoever allowed it,
PUT there, and shown as a file card. Neither the button nor the card's context says whose
report it is or what is in it. A redelivered press offers once, and a redelivered answer
uploads once (the dispatch records each delivery first).
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from bot.engine.replies import NoticeLevel
from bot.handlers import failures
from bot.handlers.report_pdf import report_file
from bot.handlers.teams.export_file import (
    UploadFailed,
    file_info_activity,
    parse_report_consent,
    report_consent_activity,
    upload,
)
from bot.handlers.teams.render import notice_activity
from bot.handlers.teams.translate import PLATFORM, Message, conversation_key
from bot.service import AdvisorService
from bot.views import catalogue

log = logging.getLogger(__name__)


class TeamsReport:
    def __init__(self, service: AdvisorService) -> None:
        self._service = service

    async def on_button(self, message: Message) -> None:
        """ "Download report" pressed: the file offered, in the private chat only."""
        turn, key = message.turn, message.key
        if not await self._service.first_delivery(message.delivery):
            return  # a redelivery: the first delivery has offered it
        if not message.personal:
            await _notice(turn, catalogue.REPORT_IN_PRIVATE_CHAT)
            return
        summary = (await self._service.overview(key)).summary
        if summary is None:
            log.info("teams report: no result yet user=%s", key.user)
            await _notice(turn, catalogue.REPORT_NO_RESULT)
            return
        # The card shows the file's size, so the PDF is made now, and made again once allowed:
        # nothing is kept in between.
        report = await report_file(summary)
        offer = report_consent_activity(report.name, len(report.content), catalogue.REPORT_ABOUT)
        await turn.send_activity(offer)
        log.info("teams report offered user=%s", key.user)

    async def on_file_consent(self, turn_context: TurnContext) -> None:
        """The person's answer to a report's consent card (a `fileConsent/invoke`). A bug is
        answered with an apology here: the error policy's own apology goes to messages only."""
        key = conversation_key(turn_context.activity)
        try:
            await self._file_consent(turn_context)
        except Exception as error:
            failures.turn_failed(PLATFORM, "report", error, workspace=key.workspace, user=key.user)
            await _notice(turn_context, catalogue.SORRY, NoticeLevel.ERROR)

    async def _file_consent(self, turn_context: TurnContext) -> None:
        key = conversation_key(turn_context.activity)
        answer = parse_report_consent(turn_context.activity.value)
        if answer is None:
            log.warning("teams report consent unreadable user=%s", key.user)
            await _notice(turn_context, catalogue.REPORT_UPLOAD_FAILED, NoticeLevel.WARNING)
            return
        if not answer.accepted:
            log.info("teams report declined user=%s", key.user)
            await _notice(turn_context, catalogue.REPORT_DECLINED)
            return
        summary = (await self._service.overview(key)).summary
        if summary is None:  # forgotten since the offer
            log.info("teams report: no result any more user=%s", key.user)
            await _notice(turn_context, catalogue.REPORT_NO_RESULT)
            return
        report = await report_file(summary)
        try:
            await upload(answer.upload_url, report.content)
        except UploadFailed as failed:  # its message never holds the (pre-authorised) URL
            log.warning("teams report upload failed user=%s error=%s", key.user, failed)
            await _notice(turn_context, catalogue.REPORT_UPLOAD_FAILED, NoticeLevel.WARNING)
            return
        log.info("teams report uploaded user=%s size=%d", key.user, len(report.content))
        await turn_context.send_activity(file_info_activity(answer, catalogue.REPORT_SAVED))


async def _notice(
    turn_context: TurnContext, text: str, level: NoticeLevel = NoticeLevel.INFO
) -> None:
    await turn_context.send_activity(notice_activity(text, level))
