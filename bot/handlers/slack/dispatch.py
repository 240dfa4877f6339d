"""Which listener takes each Slack request: one ordered table (bolt takes the first route
that matches), the counterpart of Teams' `bot.handlers.teams.dispatch`."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from bot.handlers.slack import ids
from bot.handlers.slack.admin import SlackAdmin, is_admin_command
from bot.handlers.slack.advisor import SlackAdvisor
from bot.handlers.slack.forget import CANCEL_ACTION, CONFIRM_ACTION, SlackForget, is_forget_command
from bot.handlers.slack.in_flight import InFlight, note_conversation
from bot.handlers.slack.pulse import SlackPulse, is_pulse_command
from bot.handlers.slack.pulse_compare import SlackPulseCompare, is_compare_command
from bot.handlers.slack.report import SlackReport

SLASH_COMMAND = "/ai-owner"


def register(
    app: AsyncApp,
    advisor: SlackAdvisor,
    pulse: SlackPulse,
    in_flight: InFlight,
    admin: SlackAdmin,
    forget: SlackForget,
    report: SlackReport,
    compare: SlackPulseCompare,
) -> None:
    """Every route of the Slack app, in one list (bolt takes the first that matches)."""
    app.use(note_conversation)  # which conversation each listener's work is for
    track = in_flight.track
    app.command(SLASH_COMMAND, matchers=[is_admin_command])(track(admin.on_command))
    app.command(SLASH_COMMAND, matchers=[is_compare_command])(track(compare.on_command))
    app.command(SLASH_COMMAND, matchers=[is_pulse_command])(track(pulse.on_command))
    app.command(SLASH_COMMAND, matchers=[is_forget_command])(track(forget.on_command))
    app.action(CONFIRM_ACTION)(track(forget.on_confirm))
    app.action(CANCEL_ACTION)(track(forget.on_cancel))
    app.command(SLASH_COMMAND)(track(advisor.on_command))
    app.action(ids.ANSWER_ACTION)(track(advisor.on_answer))
    app.action(ids.COMMAND_ACTION)(track(advisor.on_command_button))
    app.action(ids.SHARE_ACTION)(track(advisor.on_share_button))
    app.action(ids.ASK_ACTION)(track(advisor.on_ask_button))
    app.action(ids.REPORT_ACTION)(track(report.on_button))
    app.view(ids.SHARE_VIEW)(track(advisor.on_share_submitted))
    app.view(ids.ASK_VIEW)(track(advisor.on_ask_submitted))
    app.action(ids.PULSE_ANSWER_ACTION)(track(pulse.on_answer_button))
    app.action(ids.PULSE_CLOSE_ACTION)(track(pulse.on_close_button))
    app.action(ids.PULSE_EXPORT_ACTION)(track(pulse.on_export_button))
    app.action(ids.PULSE_NUMBERS_ACTION)(track(pulse.on_numbers_button))
    app.action(ids.PULSE_COMPARE_ACTION)(track(compare.on_button))
    # These two launch or record before their ack says so: what follows is never turned away.
    app.view(ids.PULSE_LAUNCH_VIEW)(track(pulse.on_launch_submitted, may_turn_away=False))
    app.view(ids.PULSE_ANSWER_VIEW)(track(pulse.on_answer_submitted, may_turn_away=False))
    app.event("message")(track(advisor.on_message))
    app.event("app_mention")(track(advisor.on_mention))
    app.event("app_home_opened")(track(advisor.on_home_opened))
    app.event("app_uninstalled")(track(advisor.on_uninstalled))
    app.event("tokens_revoked")(track(advisor.on_tokens_revoked))
