"""The admin's answers as Block Kit: within Slack's limits however many errors there are, and
knowledge text shown as it is, never as markup."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block

from bot.admin.service import AdminReport
from bot.handlers.slack.admin import is_admin_command
from bot.handlers.slack.render import draw
from bot.views.admin import report
from bot.views.document import mention, say

# Slack refuses a message of much over 13,000 characters of blocks.
MESSAGE_LIMIT = 13_000


def broken(count: int) -> AdminReport:
    errors = tuple(
        f"snippets/{n:03d}.yml:{n}: snippet 's{n}': text: String should have at most 600 characters"
        for n in range(count)
    )
    return AdminReport(False, "Not reloaded.", (say("Fix them."),), say("Problems:"), errors)


def report_message(answer: AdminReport) -> tuple[str, list[dict[str, Any]]]:
    message = draw(report(answer))
    return message.text, message.blocks


def test_a_few_errors_are_all_shown_in_one_code_block() -> None:
    answer = broken(3)

    text, blocks = report_message(answer)

    assert text == "Not reloaded."
    shown = json.dumps(blocks)
    assert all(error in shown for error in answer.errors)
    assert sum("```" in block["text"]["text"] for block in blocks) == 1
    for block in blocks:
        Block.parse(block).to_dict()  # type: ignore[union-attr]  # validates Slack's limits


def test_many_errors_stay_within_the_limits_and_the_rest_is_counted() -> None:
    _, blocks = report_message(broken(1000))

    assert len(json.dumps(blocks)) < MESSAGE_LIMIT
    sections = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    shown = sum(text.count("\n") + 1 for text in sections if "```" in text)
    assert f"… and {1000 - shown} more" in blocks[-1]["elements"][0]["text"]


def test_error_text_is_escaped() -> None:
    answer = AdminReport(
        False, "Not reloaded.", (), say("Problems:"), ("a.yml:1: <!channel> & ```x```",)
    )

    shown = json.dumps(report_message(answer)[1])

    assert "<!channel>" not in shown
    assert "&lt;!channel&gt; &amp; '''x'''" in shown


def test_who_loaded_the_knowledge_is_a_mention_in_their_own_workspace() -> None:
    answer = AdminReport(True, "In use.", (say("Loaded by ", mention("U0ADMIN"), "."),))

    shown = json.dumps(report_message(answer)[1])

    assert "Loaded by <@U0ADMIN>." in shown


async def test_only_the_two_admin_words_are_admin_commands() -> None:
    assert await is_admin_command({"text": "reload"})
    assert await is_admin_command({"text": " Knowledge "})
    assert not await is_admin_command({"text": "reload now"})
    assert not await is_admin_command({"text": "pulse"})
    assert not await is_admin_command({"text": ""})
