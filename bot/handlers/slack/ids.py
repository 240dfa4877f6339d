"""Action, callback and block ids shared by the Block Kit builders and the listeners, so the
two sides cannot drift apart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# Buttons answering a question: action_id "answer:<question_id>:<option_id>" (unique within a
# message, as Slack requires), value = JSON {"q": question_id, "o": option_id}.
ANSWER_PREFIX = "answer:"
ANSWER_ACTION = re.compile(r"^answer:")
# Buttons running an engine command (start, restart, back, skip, why, help, cancel, summary):
# action_id "command:<name>", value = the command name.
COMMAND_PREFIX = "command:"
COMMAND_ACTION = re.compile(r"^command:")
# The summary card's "Share to a channel" and "Ask a question" buttons, and the App Home's.
SHARE_ACTION = "share_summary"
# forget-me's "Delete my data" and "Cancel" (`bot.handlers.slack.forget`).
FORGET_CONFIRM_ACTION = "forget_me_confirm"
FORGET_CANCEL_ACTION = "forget_me_cancel"
ASK_ACTION = "ask_question"
# The summary card's "Download report" (and the same button under a failed attempt's notice):
# value REPORT_VALUE, which says nothing about whose report; the presser's own is sent.
REPORT_ACTION = "download_report"
REPORT_VALUE = "report"
# Modals: callback ids, and the block/action ids of their single input.
SHARE_VIEW = "share_summary_view"
SHARE_CHANNEL_BLOCK = "share_channel"
SHARE_CHANNEL_ACTION = "channel"
ASK_VIEW = "ask_question_view"
ASK_INPUT_BLOCK = "question"
ASK_INPUT_ACTION = "text"


@dataclass(frozen=True)
class AnswerButton:
    question_id: str
    option_id: str

    @property
    def action_id(self) -> str:
        return f"{ANSWER_PREFIX}{self.question_id}:{self.option_id}"

    @property
    def value(self) -> str:
        return json.dumps({"q": self.question_id, "o": self.option_id}, separators=(",", ":"))

    @classmethod
    def parse(cls, value: str) -> AnswerButton | None:
        """The button's choice, or None when the value is not one of ours (forged, old)."""
        try:
            data = json.loads(value)
        except (TypeError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        question_id, option_id = data.get("q"), data.get("o")
        if isinstance(question_id, str) and isinstance(option_id, str):
            return cls(question_id, option_id)
        return None


def command_action_id(name: str) -> str:
    return f"{COMMAND_PREFIX}{name}"


# --- team pulse surveys ----------------------------------------------------------------------
# Buttons on the survey card, the reminder and the results message; value = the survey id.
PULSE_ANSWER_ACTION = "pulse_answer"
PULSE_CLOSE_ACTION = "pulse_close"
PULSE_EXPORT_ACTION = "pulse_export"
PULSE_NUMBERS_ACTION = "pulse_numbers"
PULSE_COMPARE_ACTION = "pulse_compare"
PULSE_COMPARE_VIEW = "pulse_compare_view"
PULSE_NUMBERS_VIEW = "pulse_numbers_view"
# The launch modal (private_metadata: JSON {"channel": id}) and its inputs.
PULSE_LAUNCH_VIEW = "pulse_launch_view"
PULSE_DEADLINE_BLOCK = "pulse_deadline"
PULSE_DEADLINE_ACTION = "deadline"
PULSE_THRESHOLD_BLOCK = "pulse_threshold"
PULSE_THRESHOLD_ACTION = "threshold"
PULSE_REMIND_BLOCK = "pulse_remind"
PULSE_REMIND_ACTION = "remind"
PULSE_REMIND_VALUE = "remind"
PULSE_REPEAT_BLOCK = "pulse_repeat"
PULSE_REPEAT_ACTION = "repeat"
PULSE_REPEAT_ONCE = "once"  # the other values are `storage.series.Cadence` values
# The answer modal (private_metadata: the survey id): one input per question, block_id
# "pulse_q:<question_id>", its radio buttons' action_id PULSE_CHOICE_ACTION.
PULSE_ANSWER_VIEW = "pulse_answer_view"
PULSE_QUESTION_PREFIX = "pulse_q:"
PULSE_CHOICE_ACTION = "choice"
# Views with nothing to submit (thanks, closed, unknown survey): no listener needed.
PULSE_NOTICE_VIEW = "pulse_notice_view"


def pulse_question_block(question_id: str) -> str:
    return f"{PULSE_QUESTION_PREFIX}{question_id}"
