"""The forget-me messages in Block Kit: valid, within Slack's limits, and honest."""

from __future__ import annotations

from bot.forget import report
from bot.handlers.slack.forget import (
    CANCEL_ACTION,
    CONFIRM_ACTION,
    confirmation_blocks,
    is_forget_command,
    report_blocks,
    report_text,
)
from storage.lifecycle import Forgotten
from tests.handlers.slack.checks import all_text, assert_valid_blocks

EVERYTHING = Forgotten(
    conversation={"phase": "asking"},
    assessments=3,
    references=1,
    survey_answers=2,
    launched_surveys=1,
    admin_records=4,
)


def test_the_confirmation_has_a_danger_button_and_a_way_out() -> None:
    blocks = confirmation_blocks()

    assert_valid_blocks(blocks)
    buttons = [element for block in blocks for element in block.get("elements", [])]
    assert [(b["action_id"], b.get("style")) for b in buttons] == [
        (CONFIRM_ACTION, "danger"),
        (CANCEL_ACTION, None),
    ]
    assert "cannot be undone" in all_text(blocks)


def test_the_report_lists_what_went_and_what_stays() -> None:
    shown = report(EVERYTHING, "Slack", retention_days=30)
    blocks = report_blocks(shown)

    assert_valid_blocks(blocks)
    text = all_text(blocks)
    for part in (
        "your diagnostic in progress",
        "3 completed results",
        "your answers to 2 pulse surveys",
        "1 pulse survey you launched (an admin can still close it)",
        "4 admin records naming you",
        "retention deletes them after 30 days",
        "kept by Slack",
    ):
        assert part in text, part
    assert report_text(shown).startswith("Done")


async def test_only_forget_me_is_routed_here() -> None:
    for text in ("forget-me", "Forget me", " FORGET-ME ", "forgetme"):
        assert await is_forget_command({"text": text}), text
    for text in ("forget", "forget-me now", "pulse forget-me", ""):
        assert not await is_forget_command({"text": text}), text
