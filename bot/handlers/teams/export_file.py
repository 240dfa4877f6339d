"""A file in Teams (a pulse export, a summary's report): the file consent flow of the Teams bot
APIs.

Teams bots cannot attach a file to a message. In a one-to-one chat (and only there) a bot may
offer one: it sends a file consent card naming the file and its size; when the person allows
it, Teams creates the file in their OneDrive and sends the bot a `fileConsent/invoke` activity
with a pre-authenticated upload URL; the bot PUTs the bytes there, then posts a file card that
opens the file. The app manifest must say `supportsFiles: true`.

Nothing is kept between the offer and the answer. A pulse export's card names the survey in its
context, and the CSV is made again from its stored tally, which no longer changes once it is
closed, after the person's right to export it has been checked again. A report's card says only
that it is a report: the PDF is made again from the result stored for whoever answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from botbuilder.schema import Activity, ActivityTypes, Attachment
from botbuilder.schema.teams import FileConsentCard, FileConsentCardResponse, FileInfoCard
from botbuilder.schema.teams.additional_properties import ContentType

FILE_CONSENT_INVOKE = "fileConsent/invoke"
SURVEY_KEY = "survey"
# A report's card context: {PURPOSE_KEY: REPORT_PURPOSE}, and nothing about whose report.
PURPOSE_KEY = "purpose"
REPORT_PURPOSE = "report"
UPLOAD_TIMEOUT_SECONDS = 30.0
# Loopback may be plain http (a local test double); a real upload URL is OneDrive's, https.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class UploadFailed(Exception):
    """The bytes did not reach the upload URL; the message says why, without the URL."""


@dataclass(frozen=True)
class ConsentAnswer:
    """What the person chose on a consent card, and where to put the file if they allowed it."""

    accepted: bool
    survey_id: str  # a pulse export's survey; "" for a report
    upload_url: str = ""
    content_url: str = ""
    name: str = ""
    unique_id: str = ""
    file_type: str = ""


def consent_activity(survey_id: str, filename: str, size: int, description: str) -> Activity:
    """The card that asks the person to allow a pulse export in their OneDrive."""
    return _consent_card({SURVEY_KEY: survey_id}, filename, size, description)


def report_consent_activity(filename: str, size: int, description: str) -> Activity:
    """The card that asks the person to allow their report in their OneDrive."""
    return _consent_card({PURPOSE_KEY: REPORT_PURPOSE}, filename, size, description)


def _consent_card(context: dict[str, str], filename: str, size: int, description: str) -> Activity:
    card = FileConsentCard(
        description=description,
        size_in_bytes=size,
        accept_context=context,
        decline_context=context,
    )
    attachment = Attachment(
        content_type=ContentType.FILE_CONSENT_CARD, name=filename, content=card.serialize()
    )
    return Activity(type=ActivityTypes.message, attachments=[attachment])


def is_report_consent(value: object) -> bool:
    """The invoke answers a report's card (by its context), not a pulse export's."""
    context = value.get("context") if isinstance(value, dict) else None
    return isinstance(context, dict) and context.get(PURPOSE_KEY) == REPORT_PURPOSE


def parse_consent(value: object) -> ConsentAnswer | None:
    """The invoke's value, or None when it is not a well-formed answer to one of our pulse
    export cards."""
    if not isinstance(value, dict):
        return None
    answer = FileConsentCardResponse().deserialize(value)
    context = answer.context if isinstance(answer.context, dict) else {}
    survey_id = context.get(SURVEY_KEY)
    if not isinstance(survey_id, str) or not survey_id:
        return None
    return _answer(answer, survey_id)


def parse_report_consent(value: object) -> ConsentAnswer | None:
    """The invoke's value, or None when it is not a well-formed answer to a report's card."""
    if not is_report_consent(value):
        return None
    return _answer(FileConsentCardResponse().deserialize(value), "")


def _answer(answer: FileConsentCardResponse, survey_id: str) -> ConsentAnswer | None:
    if answer.action == "decline":
        return ConsentAnswer(False, survey_id)
    info = answer.upload_info
    if answer.action != "accept" or info is None or not _usable(info.upload_url):
        return None
    return ConsentAnswer(
        True,
        survey_id,
        upload_url=str(info.upload_url),
        content_url=str(info.content_url or ""),
        name=str(info.name or ""),
        unique_id=str(info.unique_id or ""),
        file_type=str(info.file_type or ""),
    )


async def upload(url: str, data: bytes) -> None:
    """PUT the whole file in one request to the upload session Teams opened (OneDrive's
    "upload bytes to the upload session": one range that is the whole file; the URL carries
    its own authorisation, so no token goes with it). OneDrive answers 200 or 201 once the
    last byte is in."""
    headers = {"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    timeout = aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.put(url, data=data, headers=headers) as response,
        ):
            if response.status not in (200, 201):
                raise UploadFailed(f"the upload was answered {response.status}")
    except (aiohttp.ClientError, TimeoutError) as error:
        raise UploadFailed(f"the upload failed: {type(error).__name__}") from None


def file_info_activity(answer: ConsentAnswer, text: str) -> Activity:
    """The message that shows the uploaded file, which the person can open or download."""
    card = FileInfoCard(unique_id=answer.unique_id, file_type=answer.file_type)
    attachment = Attachment(
        content_type=ContentType.FILE_INFO_CARD,
        name=answer.name,
        content_url=answer.content_url,
        content=card.serialize(),
    )
    return Activity(type=ActivityTypes.message, text=text, attachments=[attachment])


def _usable(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
