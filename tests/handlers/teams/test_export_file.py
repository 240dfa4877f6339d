"""The file consent flow's pieces (bot/handlers/teams/export_file.py): the card, reading the
person's answer, the upload into a local OneDrive double, and the card that shows the file."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.handlers.teams.export_file import (
    ConsentAnswer,
    UploadFailed,
    consent_activity,
    file_info_activity,
    parse_consent,
    upload,
)
from testing.fakes.onedrive import FakeOneDrive

SURVEY = "a" * 32


def accepted(**upload_info: Any) -> dict[str, Any]:
    info = {
        "contentUrl": "https://contoso.sharepoint.com/personal/ada/Documents/team-pulse.csv",
        "name": "team-pulse.csv",
        "uploadUrl": "https://contoso.sharepoint.com/_api/v2.0/drive/items/1/uploadSession?x=1",
        "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
        "fileType": "csv",
        "etag": "123",
    }
    info.update(upload_info)
    return {
        "type": "fileUpload",
        "action": "accept",
        "context": {"survey": SURVEY},
        "uploadInfo": info,
    }


def test_the_consent_card_names_the_file_its_size_and_the_survey() -> None:
    activity = consent_activity(SURVEY, "team-pulse-aaaaaaaa.csv", 1234, "counts only")
    [attachment] = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.teams.card.file.consent"
    assert attachment.name == "team-pulse-aaaaaaaa.csv"
    assert attachment.content == {
        "description": "counts only",
        "sizeInBytes": 1234,
        "acceptContext": {"survey": SURVEY},
        "declineContext": {"survey": SURVEY},
    }


def test_an_accepted_consent_carries_where_to_upload() -> None:
    answer = parse_consent(accepted())
    assert answer == ConsentAnswer(
        True,
        SURVEY,
        upload_url="https://contoso.sharepoint.com/_api/v2.0/drive/items/1/uploadSession?x=1",
        content_url="https://contoso.sharepoint.com/personal/ada/Documents/team-pulse.csv",
        name="team-pulse.csv",
        unique_id="1150D938-8870-4044-9F2C-5BBDEBA70C8C",
        file_type="csv",
    )


def test_a_declined_consent_names_only_the_survey() -> None:
    value = {"type": "fileUpload", "action": "decline", "context": {"survey": SURVEY}}
    assert parse_consent(value) == ConsentAnswer(False, SURVEY)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "accept",
        {"type": "fileUpload", "action": "accept", "context": {"survey": SURVEY}},  # no info
        {**accepted(), "context": {}},  # not one of our cards
        {**accepted(), "context": {"survey": 7}},
        {**accepted(), "action": "maybe"},
        accepted(uploadUrl="http://upload.example.com/session"),  # not https
        accepted(uploadUrl="file:///etc/passwd"),
        accepted(uploadUrl=None),
    ],
)
def test_anything_else_is_not_an_answer(value: object) -> None:
    assert parse_consent(value) is None


def test_plain_http_is_accepted_on_loopback_only() -> None:
    answer = parse_consent(accepted(uploadUrl="http://127.0.0.1:9/uploadSession/x"))
    assert answer is not None
    assert answer.upload_url == "http://127.0.0.1:9/uploadSession/x"


def test_the_file_card_shows_the_uploaded_file() -> None:
    answer = parse_consent(accepted())
    assert answer is not None
    activity = file_info_activity(answer, "Here it is.")
    assert activity.text == "Here it is."
    [attachment] = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.teams.card.file.info"
    assert attachment.name == "team-pulse.csv"
    assert attachment.content_url == answer.content_url
    assert attachment.content == {
        "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
        "fileType": "csv",
    }


async def test_upload_puts_the_whole_file_in_one_range() -> None:
    data = "question_id,count\nq,3\n".encode("utf-8-sig")
    async with FakeOneDrive() as drive:
        await upload(drive.upload_url("x.csv"), data)
    [put] = drive.uploads
    assert put.status == 201
    assert put.body == data
    assert put.content_range == f"bytes 0-{len(data) - 1}/{len(data)}"


async def test_an_upload_refused_or_unreachable_raises_upload_failed() -> None:
    async with FakeOneDrive() as drive:
        url = drive.upload_url("x.csv")
        drive.fail_next(500)
        with pytest.raises(UploadFailed, match="answered 500"):
            await upload(url, b"a,b\n")
        await upload(url, b"a,b\n")
        with pytest.raises(UploadFailed, match="answered 404"):  # the session is complete
            await upload(url, b"a,b\n")
    with pytest.raises(UploadFailed, match="ClientConnectorError"):  # the server is gone
        await upload(url, b"a,b\n")


async def test_the_onedrive_double_refuses_a_range_that_is_not_the_file() -> None:
    async with FakeOneDrive() as drive, aiohttp.ClientSession() as session:
        url = drive.upload_url("x.csv")
        for content_range in ("", "bytes 0-9/20", "bytes 1-3/4"):
            headers = {"Content-Range": content_range} if content_range else {}
            async with session.put(url, data=b"abcd", headers=headers) as response:
                assert response.status in (400, 416)
    assert [put.status for put in drive.uploads] == [400, 416, 416]
