"""The summary's "Download report" on Teams, end to end: activities POSTed to the real server, the
fake connector recording the file consent card and what follows, and a local OneDrive upload
session receiving the PDF once the person allows it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.engine.replies import Summary
from bot.handlers.teams.submit import report_data
from bot.views import catalogue
from testing.fakes.onedrive import FakeOneDrive
from testing.fakes.teams_activities import PERSONAL_CONVERSATION_ID, TEAM_ID
from testing.flows.teams import is_summary, submits, text_of
from tests.report.reading import ink_by_half, pdf_text
from tests.server.test_teams import KEY, TeamsServer, say, serve

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TeamsServer]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'advisor.db'}")
    async for running in serve(settings, dev=True):
        yield running


@dataclass(frozen=True)
class Offer:
    """A file consent card the bot sent."""

    name: str
    size: int
    description: str
    accept_context: dict[str, Any]
    decline_context: dict[str, Any]


async def finished(server: TeamsServer) -> dict[str, Any]:
    """A whole diagnostic by card buttons; the summary card it ends on."""
    await say(server, "hi", 2)
    while not is_summary(server.connector.sent()[-1]):
        answer = submits(server.connector.sent()[-1], "answer")[0]
        await say(server, None, 1, value=answer)
    return server.connector.sent()[-1]


async def press_report(server: TeamsServer, card: dict[str, Any], **options: Any) -> dict[str, Any]:
    """Press the card's "Download report"; what the bot sent back."""
    [data] = submits(card, "report")
    await say(server, None, 1, value=data, **options)
    return server.connector.sent()[-1]


def offer_of(activity: dict[str, Any]) -> Offer:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == CONSENT_CARD
    content = attachment["content"]
    return Offer(
        attachment["name"],
        content["sizeInBytes"],
        content["description"],
        content["acceptContext"],
        content["declineContext"],
    )


async def their_summary(server: TeamsServer) -> Summary:
    summary = (await server.app.service.overview(KEY)).summary
    assert summary is not None
    return summary


async def test_download_report_offers_the_file_and_uploads_it_once_allowed(
    server: TeamsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    summary_card = await finished(server)
    assert submits(summary_card, "report") == [report_data()]

    offer = offer_of(await press_report(server, summary_card))

    summary = await their_summary(server)
    assert offer.name.endswith(".pdf")
    assert offer.description == catalogue.REPORT_ABOUT
    assert offer.size > 0
    # The context marks the purpose, and says nothing of whose report or what is in it.
    assert offer.accept_context == offer.decline_context == {"purpose": "report"}
    assert server.connector.sent()[-1] in server.connector.sent(PERSONAL_CONVERSATION_ID)

    async with FakeOneDrive() as drive:
        before = len(server.connector.sent())
        url = drive.upload_url(offer.name)
        delivery = await server.teams.file_consent(
            "accept", offer.accept_context, upload_url=url, file_name=offer.name
        )
        [upload] = drive.uploads

    assert delivery.status == 200  # the invoke's answer
    assert upload.status == 201
    assert upload.authorization is None  # the upload URL carries its own authorisation
    assert upload.body.startswith(b"%PDF-")
    assert len(upload.body) == offer.size  # the same summary makes the same bytes
    pages, text = pdf_text(upload.body)
    assert pages == 1
    assert min(ink_by_half(upload.body)) > 1000  # drawn, top to bottom: not blank, not cut
    assert summary.recommended.name in text
    [shown] = server.connector.sent()[before:]
    assert shown["text"] == catalogue.REPORT_SAVED
    [card] = shown["attachments"]
    assert card["contentType"] == FILE_INFO_CARD
    assert card["name"] == offer.name
    assert card["content"]["fileType"] == "pdf"
    # Ids and outcomes in the log; never the report's content, never the upload URL (a secret).
    assert "teams report uploaded user=" in caplog.text
    assert url not in caplog.text
    for said in (summary.recommended.name, *(item.answer for item in summary.leanings)):
        assert said not in caplog.text


async def test_a_declined_report_is_acknowledged_and_nothing_uploaded(server: TeamsServer) -> None:
    offer = offer_of(await press_report(server, await finished(server)))
    async with FakeOneDrive() as drive:
        before = len(server.connector.sent())
        delivery = await server.teams.file_consent("decline", offer.decline_context)
        assert drive.uploads == []
    assert delivery.status == 200
    [said] = server.connector.sent()[before:]
    assert "nothing was saved to your OneDrive" in text_of(said)
    assert not said.get("attachments") or all(
        a["contentType"] != FILE_INFO_CARD for a in said["attachments"]
    )


async def test_pressed_before_any_result_says_so_and_offers_nothing(server: TeamsServer) -> None:
    await say(server, "start", 2)  # a diagnostic under way: no result yet
    await say(server, None, 1, value=report_data())
    said = server.connector.sent()[-1]
    assert "no result to put in a report yet" in text_of(said)
    assert CONSENT_CARD not in text_of(said)


async def test_a_redelivered_press_offers_once_and_a_redelivered_answer_uploads_once(
    server: TeamsServer,
) -> None:
    summary_card = await finished(server)
    offer = offer_of(await press_report(server, summary_card, activity_id="1700000000555"))
    sent = len(server.connector.sent())
    assert (await server.teams.resend()).status in (200, 201)  # Teams' redelivery: same id
    await say(server, "help", 1)  # a later message: the redelivery has been handled by now
    assert len(server.connector.sent()) == sent + 1
    assert CONSENT_CARD not in text_of(server.connector.sent()[-1])

    async with FakeOneDrive() as drive:
        url = drive.upload_url(offer.name)
        for _ in range(2):
            await server.teams.file_consent(
                "accept", offer.accept_context, upload_url=url, activity_id="f:1700000000777"
            )
        assert [upload.status for upload in drive.uploads] == [201]
    saved = [a for a in server.connector.sent() if a.get("text") == catalogue.REPORT_SAVED]
    assert len(saved) == 1


async def test_a_failed_upload_says_so(
    server: TeamsServer, caplog: pytest.LogCaptureFixture
) -> None:
    offer = offer_of(await press_report(server, await finished(server)))
    async with FakeOneDrive() as drive:
        url = drive.upload_url(offer.name)
        drive.fail_next(503)
        before = len(server.connector.sent())
        delivery = await server.teams.file_consent("accept", offer.accept_context, upload_url=url)
    assert delivery.status == 200
    [said] = server.connector.sent()[before:]
    assert "couldn't send your report" in text_of(said)
    assert "teams report upload failed" in caplog.text
    assert url not in caplog.text


async def test_a_report_answer_is_not_taken_for_a_pulse_export(server: TeamsServer) -> None:
    """A consent answer with a report's context goes to the report, even from someone with
    no result: never to the pulse export, which would look for a survey."""
    async with FakeOneDrive() as drive:
        url = drive.upload_url("report.pdf")
        await server.teams.file_consent("accept", {"purpose": "report"}, upload_url=url)
        assert drive.uploads == []
    said = text_of(server.connector.sent()[-1])
    assert "no result to put in a report yet" in said
    assert "survey" not in said


async def test_pressed_outside_the_private_chat_says_where_it_works(server: TeamsServer) -> None:
    thread = f"{TEAM_ID};messageid=1700000000123"
    delivery = await server.teams.channel_submit(report_data(), thread_id=thread)
    assert delivery.status in (200, 201)
    [said] = await server.connector.wait_for_sent(1)
    assert "only in our private chat" in text_of(said)
    assert server.connector.sent(thread) == [said]
    assert CONSENT_CARD not in text_of(said)
