"""The summary's "Download report" on Slack, end to end: signed presses into the real server, the
fake Web API receiving the upload (files.getUploadURLExternal, the bytes, then
files.completeUploadExternal, as slack_sdk's files_upload_v2 does), and the PDF read back."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.engine.replies import Summary
from bot.handlers.slack import ids
from bot.views import catalogue
from storage.conversations import ConversationKey
from testing.fakes.slack_api import FILE_UPLOAD, ApiCall
from testing.fakes.workspace import DM_CHANNEL, TEAM_ID, USER_ID
from testing.flows.slack import (
    all_text,
    buttons,
    is_summary,
    last_question,
    message_ts,
    posts,
    press,
)
from tests.report.reading import ink_by_half, pdf_text
from tests.server.conftest import RunningServer
from tests.server.test_slack import KEY, start

OTHER = "U0OTHER"


async def finished(server: RunningServer, index: int = 0) -> ApiCall:
    """A whole diagnostic by buttons; the summary card it ends on."""
    await start(server)
    while not is_summary(posts(server)[-1]):
        await press(server, last_question(server), index=index)
    return posts(server)[-1]


def report_button(message: ApiCall) -> dict[str, str]:
    [button] = buttons(message, ids.REPORT_ACTION)
    return button


async def press_report(
    server: RunningServer, message: ApiCall, *, user_id: str = USER_ID, ts: str | None = None
) -> None:
    button = report_button(message)
    reply = await server.slack.block_action(
        button["action_id"],
        button["value"],
        user_id=user_id,
        message_ts=ts or message_ts(server, message),
    )
    assert reply.status == 200
    assert reply.elapsed < 3  # acknowledged at once, the PDF made and sent after


async def their_summary(server: RunningServer, key: ConversationKey = KEY) -> Summary:
    summary = (await server.app.service.overview(key)).summary
    assert summary is not None
    return summary


async def test_download_report_uploads_a_one_page_pdf_to_the_dm(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    summary_card = await finished(server)
    server.api.clear()

    await press_report(server, summary_card)

    [notice] = await server.api.wait_for("response_url")
    [upload] = server.api.uploads()
    summary = await their_summary(server)
    assert upload.channel == DM_CHANNEL
    assert upload.filename.endswith(".pdf")
    assert upload.title == catalogue.REPORT_TITLE
    assert upload.initial_comment == catalogue.REPORT_ABOUT
    assert upload.content is not None
    assert upload.content.startswith(b"%PDF-")
    assert upload.length == len(upload.content)
    pages, text = pdf_text(upload.content)
    assert pages == 1
    assert min(ink_by_half(upload.content)) > 1000  # drawn, top to bottom: not blank, not cut
    assert summary.recommended.name in text
    # The three steps of files_upload_v2, in order, the bytes to the URL Slack handed out.
    steps = [
        c.method
        for c in server.api.calls()
        if c.method.startswith("files") or c.method == FILE_UPLOAD
    ]
    assert steps == ["files.getUploadURLExternal", FILE_UPLOAD, "files.completeUploadExternal"]
    assert server.api.last("files.completeUploadExternal").params["channel_id"] == DM_CHANNEL
    # Said privately, under the pressed summary.
    assert notice.params["response_type"] == "ephemeral"
    assert notice.params["replace_original"] is False
    assert catalogue.report_sent(catalogue.OUR_DM) in all_text(notice)
    # The log has ids and outcomes, never what the report says.
    assert f"slack report sent user={USER_ID}" in caplog.text
    for said in (summary.recommended.name, *(item.answer for item in summary.leanings)):
        assert said not in caplog.text


async def test_a_double_press_or_a_redelivery_uploads_once(server: RunningServer) -> None:
    summary_card = await finished(server)

    await asyncio.gather(press_report(server, summary_card), press_report(server, summary_card))
    await server.api.wait_for("response_url")
    await press_report(server, summary_card)  # the same press delivered again, later
    await server.slack.slash_command("help")  # a later request: everything before it is done
    await server.api.wait_for("response_url", count=2)
    await asyncio.sleep(0.2)

    assert len(server.api.uploads()) == 1
    assert len(server.api.calls("files.getUploadURLExternal")) == 1
    # The same button on another message (the summary shown again) is another press.
    await server.slack.slash_command("summary")
    again = (await server.api.wait_for("chat.postMessage", where=is_summary, count=2))[-1]
    await press_report(server, again)
    await server.api.wait_for("files.completeUploadExternal", count=2)
    assert len(server.api.uploads(DM_CHANNEL)) == 2


async def test_pressed_before_any_result_says_so_and_uploads_nothing(
    server: RunningServer,
) -> None:
    await start(server)  # a diagnostic under way: no result yet
    button = {"action_id": ids.REPORT_ACTION, "value": ids.REPORT_VALUE}
    reply = await server.slack.block_action(
        button["action_id"], button["value"], message_ts="1700000000.000900"
    )
    assert reply.status == 200

    [notice] = await server.api.wait_for("response_url")
    assert notice.params["response_type"] == "ephemeral"
    assert "no result to put in a report yet" in all_text(notice)
    assert not buttons(notice, ids.REPORT_ACTION)  # nothing to try again
    assert server.api.calls("files.getUploadURLExternal") == []


async def test_the_report_is_always_the_pressers_own(server: RunningServer) -> None:
    """The button carries nothing of whose report: someone else pressing it (a forwarded card,
    a forged value) gets their own, here none at all."""
    summary_card = await finished(server)
    button = report_button(summary_card)
    await server.slack.block_action(
        button["action_id"],
        f'{{"user": "{USER_ID}", "team": "{TEAM_ID}"}}',  # a value trying to name someone
        user_id=OTHER,
        message_ts=message_ts(server, summary_card),
    )
    [notice] = await server.api.wait_for("response_url")
    assert "no result to put in a report yet" in all_text(notice)
    assert server.api.uploads() == []


async def test_a_failed_upload_says_so_with_a_button_to_try_again(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    summary_card = await finished(server)
    server.api.scopes.discard("files:write")  # installed before the app could post files

    await press_report(server, summary_card)

    [notice] = await server.api.wait_for("response_url")
    assert "couldn't send your report" in all_text(notice)
    assert server.api.uploads() == []
    assert "slack report not uploaded" in caplog.text
    assert "error=missing_scope" in caplog.text
    # The summary's own button is spent for a day (a double click must not upload twice): the
    # notice carries one on a message of its own, which works once Slack lets it.
    server.api.scopes.add("files:write")
    retry = report_button(notice)
    await server.slack.block_action(
        retry["action_id"], retry["value"], message_ts="1700000000.000990"
    )
    await server.api.wait_for("files.completeUploadExternal")
    [upload] = server.api.uploads(DM_CHANNEL)
    assert upload.content is not None
    assert pdf_text(upload.content)[0] == 1
