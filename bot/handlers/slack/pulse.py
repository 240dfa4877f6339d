"""The Slack side of team pulse surveys: `/ai-owner pulse ...`, the launch and answer modals
and the buttons of the survey card and the results message.

Anonymity rules for everything here: log the survey id and the outcome, never a user id, a
name or an answer; never run the delivery de-duplication (its key involves the user id) for a
survey button: opening a modal twice is harmless and recording an answer is idempotent. The
only place a user id goes is the service, which turns it into a keyed hash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers import failures
from bot.handlers.slack import blocks_pulse, ids
from bot.handlers.slack.identity import open_dm, workspace_admin
from bot.handlers.slack.pulse_publisher import SlackPulsePublisher
from bot.handlers.slack.pulse_series import SlackPulseSeries
from bot.handlers.slack.translate import PLATFORM, plain_text, workspace_of
from bot.pulse.runner import PulseRunner
from bot.pulse.service import (
    DEFAULT_THRESHOLD,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    AnswerStatus,
    CloseStatus,
    LaunchOptions,
    NotAllowed,
    PulseError,
    PulseService,
    check_launch,
)
from bot.views import catalogue
from storage.pulse import SurveyRecord, SurveyStatus
from storage.series import Cadence

log = logging.getLogger(__name__)


def pulse_help() -> str:
    """`/ai-owner pulse help` as mrkdwn: the heading bold, each command as code."""
    lines = [f"*{catalogue.PULSE_HELP_HEADING}* {catalogue.PULSE_HELP_ABOUT}"]
    lines += [f"`{command}` — {what}" for command, what in catalogue.PULSE_SLASH_COMMANDS]
    return "\n".join(lines)


async def is_pulse_command(command: dict[str, Any]) -> bool:
    """A bolt matcher: `/ai-owner pulse ...` goes to the survey listeners."""
    words = plain_text(str(command.get("text", ""))).lower().split()
    return bool(words) and words[0] == "pulse"


Reply = Callable[[str], Awaitable[None]]


def ephemeral(respond: AsyncRespond) -> Reply:
    async def reply(text: str) -> None:
        if respond.response_url is None:  # a button in a view (App Home): nowhere to answer
            log.info("pulse reply dropped: the request has no response_url")
            return
        await respond(text=text, response_type="ephemeral", replace_original=False)

    return reply


class SlackPulse:
    """The survey listeners, bound to the survey service and the runner."""

    def __init__(
        self,
        pulse: PulseService,
        runner: PulseRunner,
        publisher: SlackPulsePublisher,
        series: SlackPulseSeries,
    ) -> None:
        self._series = series
        self._pulse = pulse
        self._runner = runner
        self._publisher = publisher

    # --- /ai-owner pulse ... -----------------------------------------------------------------

    async def on_command(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        words = plain_text(str(command.get("text", ""))).lower().split()
        sub = words[1] if len(words) > 1 else ""
        await ack()
        reply = ephemeral(respond)
        channel = str(command.get("channel_id", ""))
        if sub in ("", "launch", "start", "new"):
            if channel.startswith("D"):
                await reply(catalogue.PULSE_NOT_IN_A_DM)
                return
            view = blocks_pulse.launch_modal(channel, self._pulse.now())
            await client.views_open(trigger_id=command["trigger_id"], view=view)
        elif sub in ("close", "results", "export"):
            wanted = SurveyStatus.OPEN if sub == "close" else SurveyStatus.CLOSED
            survey = await self._pulse.latest(PLATFORM, workspace_of(context), channel, wanted)
            user = context.user_id or ""
            if survey is None:
                await reply(
                    catalogue.NO_OPEN_SURVEY if sub == "close" else catalogue.NO_CLOSED_SURVEY
                )
            elif sub == "close":
                await self._close(client, survey, user, reply, confirm=True)
            elif sub == "results":
                await self._show_results(survey, respond)
            else:
                await self._export(client, survey, user, reply)
        elif sub == "series":
            await self._series.list(context, channel, respond)
        elif sub in ("pause", "resume", "stop"):
            number = words[2] if len(words) > 2 else None
            await self._series.change(client, context, channel, sub, number, reply)
        elif sub == "trend":
            await self._series.trend(context, channel, respond, reply)
        else:
            await respond(text=pulse_help(), response_type="ephemeral")

    # --- launching ---------------------------------------------------------------------------

    async def on_launch_submitted(
        self,
        ack: AsyncAck,
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        values = view.get("state", {}).get("values", {})
        options, errors = self._launch_options(values)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        assert options is not None
        channel = _metadata_channel(str(view.get("private_metadata", "")))
        user = context.user_id or ""
        cadence = _cadence(values)
        if cadence is not None:
            await self._series.start(ack, client, context, channel, user, cadence, options)
            return
        try:
            survey = await self._pulse.launch(
                PLATFORM, workspace_of(context), channel, user, options
            )
        except PulseError as error:
            await ack(response_action="update", view=blocks_pulse.notice_view(str(error)))
            return
        await ack()
        card = blocks_pulse.survey_card(survey, len(self._pulse.questions(survey)), 0)
        try:
            posted = await client.chat_postMessage(
                channel=channel, text=card.text, blocks=card.blocks
            )
        except Exception as error:
            await self._pulse.withdraw(survey.id)
            log.info(
                "pulse card not posted survey=%s error=%s", survey.id, failures.error_name(error)
            )
            text = catalogue.survey_not_posted(blocks_pulse.channel_link(channel))
            await _tell_in_dm(client, user, text)
            return
        where = {"channel": posted["channel"], "ts": posted["ts"]}
        if context.enterprise_id:
            where["enterprise"] = context.enterprise_id
        await self._pulse.posted(survey.id, where)
        self._runner.launched(survey)
        log.info("pulse card posted survey=%s", survey.id)

    def _launch_options(
        self, values: dict[str, Any]
    ) -> tuple[LaunchOptions | None, dict[str, str]]:
        """The launcher's choices, or the error to show next to each wrong field."""
        picked = _field(values, ids.PULSE_DEADLINE_BLOCK, ids.PULSE_DEADLINE_ACTION)
        raw_threshold = _field(values, ids.PULSE_THRESHOLD_BLOCK, ids.PULSE_THRESHOLD_ACTION).get(
            "value"
        )
        remind = _field(values, ids.PULSE_REMIND_BLOCK, ids.PULSE_REMIND_ACTION)
        errors: dict[str, str] = {}
        threshold = _threshold(raw_threshold)
        if threshold is None:
            errors[ids.PULSE_THRESHOLD_BLOCK] = catalogue.threshold_range(
                MIN_THRESHOLD, MAX_THRESHOLD
            )
        deadline = _deadline(picked.get("selected_date_time"))
        if deadline is None:
            errors[ids.PULSE_DEADLINE_BLOCK] = catalogue.PICK_DEADLINE
        if errors:
            return None, errors
        assert threshold is not None
        assert deadline is not None
        selected = remind.get("selected_options")
        options = LaunchOptions(
            deadline=deadline,
            threshold=threshold,
            remind=isinstance(selected, list)
            and any(
                isinstance(o, dict) and o.get("value") == ids.PULSE_REMIND_VALUE for o in selected
            ),
        )
        try:
            check_launch(options, self._pulse.now())
        except PulseError as error:
            return None, {ids.PULSE_DEADLINE_BLOCK: str(error)}
        return options, {}

    # --- answering ---------------------------------------------------------------------------

    async def on_answer_button(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        survey = await self._find(str(action.get("value", "")), context)
        if survey is None:
            view = blocks_pulse.notice_view(catalogue.UNKNOWN_SURVEY)
        elif not self._pulse.is_open(survey):
            view = blocks_pulse.notice_view(catalogue.CLOSED_SURVEY)
        else:
            previous = await self._pulse.previous_answers(survey, context.user_id or "")
            questions = self._pulse.questions(survey)
            view = blocks_pulse.answer_modal(survey.id, questions, previous)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_answer_submitted(
        self, ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """The bolt listener (Socket Mode): `submit_answers`, acknowledged with its answer."""
        await ack(**await self.submit_answers(view, context))

    async def submit_answers(
        self, view: dict[str, Any], context: AsyncBoltContext
    ) -> dict[str, Any]:
        """A submitted answer modal, recorded, and what to answer Slack (a `response_action`):
        recorded before the answer, so a person who sees "thanks" has been counted."""
        survey_id = str(view.get("private_metadata", ""))[:64]
        answers = _chosen(view.get("state", {}).get("values", {}))
        try:
            result = await self._pulse.answer(
                survey_id, workspace_of(context), context.user_id or "", answers
            )
        except Exception as error:
            failures.survey_failed(PLATFORM, "answer", error, survey_id)
            notice = blocks_pulse.notice_view(catalogue.ANSWERS_NOT_SAVED)
            return {"response_action": "update", "view": notice}
        if result.status is AnswerStatus.INVALID and result.problems:
            errors = {
                ids.pulse_question_block(question): catalogue.CHOOSE_ONE
                for question in result.problems
            }
            return {"response_action": "errors", "errors": errors}
        if result.status in (AnswerStatus.RECORDED, AnswerStatus.REPLACED) and result.survey:
            self._runner.counted(result.survey)
        return {"response_action": "update", "view": blocks_pulse.notice_view(result.message)}

    # --- closing, results, export ------------------------------------------------------------

    async def on_close_button(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        reply = ephemeral(respond)
        survey = await self._pressed_survey(action, context, reply)
        if survey is not None:
            await self._close(client, survey, context.user_id or "", reply, confirm=False)

    async def on_export_button(
        self,
        ack: AsyncAck,
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        reply = ephemeral(respond)
        survey = await self._pressed_survey(action, context, reply)
        if survey is not None:
            await self._export(client, survey, context.user_id or "", reply)

    async def on_numbers_button(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """Every question's numbers in a modal, for whoever pressed the results' button: the
        results are the channel's already. Only a closed survey has results to show (a
        forged press on an open one must not show the answers so far)."""
        await ack()
        survey = await self._find(str(action.get("value", "")), context)
        if survey is None:
            view = blocks_pulse.notice_view(catalogue.UNKNOWN_SURVEY)
        elif survey.status is not SurveyStatus.CLOSED:
            view = blocks_pulse.notice_view(catalogue.NUMBERS_AFTER_CLOSE)
        else:
            view = blocks_pulse.numbers_view(self._pulse.results(survey))
        await client.views_open(trigger_id=body["trigger_id"], view=view)
        log.info("pulse numbers shown survey=%s", survey.id if survey else "-")

    async def _pressed_survey(
        self, action: dict[str, Any], context: AsyncBoltContext, reply: Reply
    ) -> SurveyRecord | None:
        """The survey a button names (its value), or None after saying it is gone."""
        survey = await self._find(str(action.get("value", "")), context)
        if survey is None:
            await reply(catalogue.UNKNOWN_SURVEY)
        return survey

    async def _close(
        self,
        client: AsyncWebClient,
        survey: SurveyRecord,
        user: str,
        reply: Reply,
        *,
        confirm: bool,
    ) -> None:
        admin = await self._platform_admin(client, survey, user)
        try:
            result = await self._runner.close(survey, user, admin=admin)
        except NotAllowed as error:
            log.info("pulse close refused survey=%s", survey.id)
            await reply(str(error))
            return
        except Exception as error:
            failures.survey_failed(PLATFORM, "close", error, survey.id)
            # Once closed, the runner posts the results on a later tick.
            latest = await self._pulse.survey(survey.id)
            closed = latest is not None and latest.status is SurveyStatus.CLOSED
            await reply(catalogue.CLOSED_RESULTS_PENDING if closed else catalogue.CLOSE_FAILED)
            return
        if result.status is CloseStatus.ALREADY_CLOSED:
            await reply(catalogue.ALREADY_CLOSED)
        elif confirm:
            await reply(catalogue.SURVEY_CLOSED)

    async def _show_results(self, survey: SurveyRecord, respond: AsyncRespond) -> None:
        """The results posted in the channel again, as when it closed: the message and its
        chart. Should the bot no longer be able to post there (removed from the channel), the
        message still comes through the command's response URL, without the chart, which
        a response URL cannot carry."""
        results = self._pulse.results(survey)
        try:
            await self._publisher.post_results(survey, results)
        except SlackApiError as error:
            log.warning(
                "pulse results not posted again survey=%s error=%s",
                survey.id,
                error.response.get("error"),
            )
            shown = blocks_pulse.results_message(survey, results)
            await respond(text=shown.text, blocks=shown.blocks, response_type="in_channel")
        log.info("pulse results shown again survey=%s", survey.id)

    async def _export(
        self, client: AsyncWebClient, survey: SurveyRecord, user: str, reply: Reply
    ) -> None:
        admin = await self._platform_admin(client, survey, user)
        try:
            trend = await self._series.trend_of(survey)
            csv_text = await self._pulse.export_csv(survey, user, admin=admin, trend=trend)
        except PulseError as error:
            log.info("pulse export refused survey=%s", survey.id)
            await reply(str(error))
            return
        try:
            await client.files_upload_v2(
                channel=await open_dm(client, user),
                content=csv_text.encode(),
                filename=f"team-pulse-{survey.id[:8]}.csv",
                title=catalogue.EXPORT_TITLE,
                initial_comment=catalogue.EXPORT_ABOUT,
            )
        except Exception as error:
            log.warning(
                "pulse export not uploaded survey=%s error=%s",
                survey.id,
                failures.error_name(error),
            )
            await reply(catalogue.EXPORT_FAILED)
            return
        log.info("pulse export sent survey=%s", survey.id)
        await reply(catalogue.export_sent(catalogue.OUR_DM))

    # --- helpers -----------------------------------------------------------------------------

    async def _find(self, survey_id: str, context: AsyncBoltContext) -> SurveyRecord | None:
        """The survey a button names, if it belongs to the workspace the press came from."""
        return await self._pulse.pressed(survey_id, PLATFORM, workspace_of(context))

    async def _platform_admin(
        self, client: AsyncWebClient, survey: SurveyRecord, user: str
    ) -> bool:
        """Asks Slack whether the person is a workspace admin only when being the launcher or
        in ADMIN_USERS does not already allow it."""
        if self._pulse.may_manage(survey, user, admin=False):
            return False
        return await workspace_admin(client, user)


def _threshold(raw: object) -> int | None:
    if raw is None or str(raw).strip() == "":
        return DEFAULT_THRESHOLD
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None
    return value if MIN_THRESHOLD <= value <= MAX_THRESHOLD else None


def _metadata_channel(metadata: str) -> str:
    try:
        data = json.loads(metadata)
    except ValueError:
        return ""
    return str(data.get("channel", "")) if isinstance(data, dict) else ""


def _field(values: object, block_id: str, action_id: str) -> dict[str, Any]:
    """One input's state in a submitted modal's `state.values`; {} when it is missing or not
    an object (a signed submission can still be of any shape)."""
    block = values.get(block_id) if isinstance(values, dict) else None
    field = block.get(action_id) if isinstance(block, dict) else None
    return field if isinstance(field, dict) else {}


def _deadline(stamp: object) -> datetime | None:
    """The date picker's epoch seconds (a number, or its digits) as a time, or None."""
    if isinstance(stamp, bool) or not isinstance(stamp, int | str) or not str(stamp).isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(stamp), UTC)
    except (OverflowError, OSError, ValueError):  # beyond the calendar, or 4,300+ digits
        return None


def _cadence(values: object) -> Cadence | None:
    """The launch modal's Repeat choice: a cadence, or None for a one-off survey."""
    selected = _field(values, ids.PULSE_REPEAT_BLOCK, ids.PULSE_REPEAT_ACTION).get(
        "selected_option"
    )
    value = selected.get("value") if isinstance(selected, dict) else None
    try:
        return Cadence(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _chosen(values: dict[str, Any]) -> dict[str, str]:
    """{question id: option id} from the answer modal's radio buttons (unanswered left out)."""
    answers: dict[str, str] = {}
    for block_id in values:
        if not isinstance(block_id, str) or not block_id.startswith(ids.PULSE_QUESTION_PREFIX):
            continue
        selected = _field(values, block_id, ids.PULSE_CHOICE_ACTION).get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else None
        if isinstance(value, str) and value:
            answers[block_id.removeprefix(ids.PULSE_QUESTION_PREFIX)] = value
    return answers


async def _tell_in_dm(client: AsyncWebClient, user: str, text: str) -> None:
    try:
        await client.chat_postMessage(channel=await open_dm(client, user), text=text)
    except SlackApiError as error:
        log.warning("pulse launcher not told error=%s", error.response.get("error"))
