"""Team pulse surveys in Teams, end to end: channel mentions and card presses POSTed to the real
server, the bot's posts, private chats and card updates recorded by the fake connector, the
runner closing surveys on its own with short timings (see testing.flows.teams_pulse)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.handlers.teams.pulse_publisher import survey_message
from bot.pulse.service import LaunchOptions
from storage.conversations import ConversationKey
from storage.pulse import SurveyStatus
from testing.fakes.onedrive import FakeOneDrive
from testing.fakes.teams_activities import (
    BOT_ID,
    BOT_NAME,
    PERSONAL_CONVERSATION_ID,
    TENANT_ID,
    Person,
)
from testing.fakes.teams_connector import CREATE, UPDATE, error_body
from testing.flows.teams import card_of, text_of
from testing.flows.teams_pulse import (
    ADA,
    ALAN,
    BARBARA,
    EDSGER,
    GENERAL,
    GRACE,
    KATHERINE,
    Launched,
    PulseServer,
    answer,
    choice_sets,
    data,
    in_thread,
    is_form,
    launch,
    mention,
    open_form,
    press,
    pulse_buttons,
    pulse_server,
    send_answers,
    survey,
)

RESPONDENTS = (GRACE, KATHERINE, ALAN, BARBARA, EDSGER)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[PulseServer]:
    async with pulse_server(tmp_path) as running:
        yield running


def thread_message(launched: Launched) -> str:
    return launched.thread.split(";messageid=", 1)[1]


async def wait_until(condition: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def results_posts(server: PulseServer, thread: str) -> list[dict[str, Any]]:
    return [a for a in in_thread(server, thread) if "Team pulse results" in text_of(a)]


# --- launching ----------------------------------------------------------------------------------


async def test_launch_posts_the_survey_card_in_the_thread(server: PulseServer) -> None:
    launched = await launch(server)
    assert ";messageid=" in launched.thread
    card = card_of(launched.card)
    assert card is not None
    assert "0 people have answered" in text_of(launched.card)
    assert pulse_buttons(launched.card, "pulse_answer")
    assert pulse_buttons(launched.card, "pulse_close")
    stored = await survey(server, launched.survey_id)
    assert stored.channel == GENERAL  # the channel, not the thread: found from any thread
    assert stored.workspace == TENANT_ID
    assert stored.threshold == 5
    assert stored.deadline - stored.created_at == timedelta(days=3)
    assert stored.message["activity_id"] == launched.card_id
    assert stored.message["reference"]["conversation"]["id"] == launched.thread
    # The launcher is a keyed hash; the stored thread reference does not name them either.
    stored_text = json.dumps(stored.message)
    assert ADA.id not in stored_text
    assert ADA.aad_object_id not in stored_text
    assert ADA.name not in stored_text


async def test_launch_options_combine(server: PulseServer) -> None:
    launched = await launch(server, "pulse 12 hours threshold 7 remind")
    stored = await survey(server, launched.survey_id)
    assert stored.threshold == 7
    assert abs(stored.deadline - stored.created_at - timedelta(hours=12)) < timedelta(seconds=5)
    assert stored.remind_at is not None
    assert "at least 7 people" in text_of(launched.card)


async def test_launch_in_a_group_chat(server: PulseServer) -> None:
    delivery = await server.teams.group_chat_mention("pulse 2 days")
    assert delivery.status in (200, 201)
    chat = server.teams.last["conversation"]["id"]
    [card] = server.connector.sent(chat)
    survey_id = pulse_buttons(card, "pulse_answer")[0]["s"]
    assert (await survey(server, survey_id)).channel == chat


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("pulse 5", "Write hours or days"),
        ("pulse 5 weeks", "Write hours or days"),
        ("pulse 0 days", "at least 1 hour"),
        ("pulse 120 days", "at most 90 days"),
        ("pulse threshold 2", "from 3 to"),
        ("pulse threshold many", "whole number"),
        ("pulse please", "didn't understand"),
    ],
)
async def test_bad_launch_arguments_say_what_to_write(
    server: PulseServer, text: str, says: str
) -> None:
    replies = await mention(server, text)
    [reply] = replies
    assert says in text_of(reply)
    assert "pulse 5 days" in text_of(reply) or "threshold" in text_of(reply)
    thread = server.teams.last["conversation"]["id"]
    assert server.connector.sent(thread) == replies
    assert await server.app.pulse.latest("teams", TENANT_ID, GENERAL) is None


async def test_pulse_in_a_private_chat_points_to_a_channel(server: PulseServer) -> None:
    await server.teams.personal_message("pulse")
    [reply] = server.connector.sent(PERSONAL_CONVERSATION_ID)
    assert "channel" in text_of(reply)
    assert await server.app.pulse.latest("teams", TENANT_ID, PERSONAL_CONVERSATION_ID) is None


async def test_a_redelivered_launch_posts_one_survey(server: PulseServer) -> None:
    launched = await launch(server)
    again = await server.teams.resend()
    assert again.status in (200, 201)
    assert len(in_thread(server, launched.thread)) == 1


# --- answering ------------------------------------------------------------------------------------


async def test_answer_privately_opens_a_private_chat_with_the_questions(
    server: PulseServer,
) -> None:
    launched = await launch(server)
    form = await open_form(server, launched.survey_id, GRACE, launched.thread)
    assert form.created  # create_conversation opened (or found) Grace's private chat
    create = server.connector.last(CREATE)
    assert create.body is not None
    assert create.body["members"] == [{"id": GRACE.id}]
    assert create.body["channelData"]["tenant"]["id"] == TENANT_ID
    assert form.conversation == create.answer["id"]
    choices = choice_sets(form.card)
    assert len(choices) == len(server.app.knowledge.pulse_questions)
    assert all(block["style"] == "expanded" and "value" not in block for block in choices)
    [send] = pulse_buttons(form.card, "pulse_send")
    assert send["s"] == launched.survey_id
    assert len(in_thread(server, launched.thread)) == 1  # nothing in the channel
    # Opening the form records nothing about Grace.
    key = ConversationKey("teams", TENANT_ID, GRACE.aad_object_id)
    assert await server.app.storage.conversations.load_reference(key) is None


async def test_answers_are_recorded_and_prefilled_the_second_time(server: PulseServer) -> None:
    launched = await launch(server)
    form = await open_form(server, launched.survey_id, GRACE, launched.thread)
    chosen = {question: options[1] for question, options in form.options().items()}
    reply = await send_answers(server, launched.survey_id, GRACE, form.conversation, chosen)
    assert "Thanks, your answers are in" in text_of(reply)
    assert await server.app.pulse.count(launched.survey_id) == 1
    again = await open_form(server, launched.survey_id, GRACE, launched.thread)
    assert again.prefilled() == chosen
    assert "earlier answers are filled in" in text_of(again.card)
    key = ConversationKey("teams", TENANT_ID, GRACE.aad_object_id)
    assert await server.app.storage.conversations.load_reference(key) is None


async def test_someone_who_chatted_before_gets_the_form_in_that_chat(server: PulseServer) -> None:
    await server.teams.personal_message("hi")  # Ada's private chat
    server.connector.set_personal_conversation(ADA.id, PERSONAL_CONVERSATION_ID)
    launched = await launch(server)
    form = await open_form(server, launched.survey_id, ADA, launched.thread)
    assert form.conversation == PERSONAL_CONVERSATION_ID  # Teams' answer to create_conversation
    assert is_form(form.card)


async def test_a_refused_private_chat_is_said_in_the_thread_without_naming_anyone(
    server: PulseServer, caplog: pytest.LogCaptureFixture
) -> None:
    launched = await launch(server)
    server.connector.respond(
        CREATE, 429, error_body("TooManyRequests", "slow down"), {"Retry-After": "1"}
    )
    caplog.set_level(logging.INFO)
    replies = await press(server, data("pulse_answer", launched.survey_id), GRACE, launched.thread)
    [note] = replies
    assert "couldn't open a private chat" in text_of(note)
    assert server.connector.sent(launched.thread)[-1] == note
    assert GRACE.name not in json.dumps([card_of(note), note.get("summary")])
    assert "private chat failed error=ErrorResponseException" in caplog.text
    for trace in (GRACE.id, GRACE.aad_object_id, GRACE.name):
        assert trace not in caplog.text


async def test_changing_an_answer_keeps_one_response(server: PulseServer) -> None:
    launched = await launch(server)
    await answer(server, launched, GRACE, 0)
    reply = await answer(server, launched, GRACE, 2)
    assert "Your answers are updated" in text_of(reply)
    assert await server.app.pulse.count(launched.survey_id) == 1
    form = await open_form(server, launched.survey_id, GRACE, launched.thread)
    assert set(form.prefilled().values()) == {options[2] for options in form.options().values()}


async def test_missing_answers_are_named(server: PulseServer) -> None:
    launched = await launch(server)
    form = await open_form(server, launched.survey_id, GRACE, launched.thread)
    first, *_ = form.options().items()
    partial = {first[0]: first[1][0]}
    reply = await send_answers(server, launched.survey_id, GRACE, form.conversation, partial)
    assert "Please answer" in text_of(reply)
    assert await server.app.pulse.count(launched.survey_id) == 0


async def test_a_burst_of_answers_updates_the_card_a_few_times_with_the_final_count(
    server: PulseServer,
) -> None:
    launched = await launch(server)
    forms = [await open_form(server, launched.survey_id, p, launched.thread) for p in RESPONDENTS]
    await asyncio.gather(
        *(
            send_answers(
                server,
                launched.survey_id,
                person,
                form.conversation,
                {q: options[0] for q, options in form.options().items()},
            )
            for person, form in zip(RESPONDENTS, forms, strict=True)
        )
    )
    updates = await server.connector.wait_for(
        UPDATE, where=lambda call: "5 people have answered" in json.dumps(call.body)
    )
    await asyncio.sleep(1.0)  # nothing else is pending
    updates = server.connector.calls(UPDATE)
    assert 1 <= len(updates) <= 3
    assert all(call.activity_id == launched.card_id for call in updates)
    assert all(call.conversation_id == launched.thread for call in updates)
    assert "5 people have answered" in json.dumps(updates[-1].body)
    assert pulse_buttons(updates[-1].body or {}, "pulse_answer")  # still open


async def test_a_throttled_card_update_waits_for_retry_after_and_shows_the_count(
    server: PulseServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    launched = await launch(server)
    # The connector client itself retries an update (a PUT) three times, waiting Retry-After
    # each time; a fourth 429 reaches the runner, which waits as asked and tries again.
    server.connector.respond(
        UPDATE, 429, error_body("TooManyRequests", "slow down"), {"Retry-After": "1"}, times=4
    )
    await answer(server, launched, GRACE)

    updates = await server.connector.wait_for(UPDATE, count=5, timeout=10.0)

    assert [call.status for call in updates] == [429, 429, 429, 429, 200]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(updates)]
    assert min(gaps) >= 0.95  # Retry-After honoured every time
    assert "1 person has answered" in json.dumps(updates[-1].body)
    assert "pulse card rate limited" in caplog.text


# --- closing --------------------------------------------------------------------------------------


async def answered_by(server: PulseServer, launched: Launched, count: int) -> None:
    for number, person in enumerate(RESPONDENTS[:count]):
        # Answers that differ, so the results have a distribution and a split to show.
        await answer(server, launched, person, number % 2 if number < 4 else 2)


async def test_the_launcher_closes_by_the_button_and_others_may_not(
    server: PulseServer,
) -> None:
    launched = await launch(server, "pulse threshold 3")
    await answered_by(server, launched, 3)
    refused = await press(server, data("pulse_close", launched.survey_id), GRACE, launched.thread)
    [refusal] = refused
    assert "Only the person who launched this survey, or an admin" in text_of(refusal)
    assert server.connector.sent(launched.thread)[-1] == refusal
    assert (await survey(server, launched.survey_id)).status is SurveyStatus.OPEN
    await press(server, data("pulse_close", launched.survey_id), ADA, launched.thread)
    assert (await survey(server, launched.survey_id)).status is SurveyStatus.CLOSED
    [results] = results_posts(server, launched.thread)
    assert "3 people have answered" in text_of(results)
    closed = await server.connector.wait_for(
        UPDATE, where=lambda call: "Closed" in json.dumps(call.body, ensure_ascii=False)
    )
    assert not pulse_buttons(closed[-1].body or {}, "pulse_answer")
    again = await press(server, data("pulse_close", launched.survey_id), ADA, launched.thread)
    assert "already closed" in text_of(again[0])
    assert len(results_posts(server, launched.thread)) == 1


@pytest.mark.parametrize("by", ["aad", "teams"])
async def test_an_admin_may_close_anyones_survey(tmp_path: Path, by: str) -> None:
    admin = KATHERINE.aad_object_id if by == "aad" else KATHERINE.id
    async with pulse_server(tmp_path, admin_users=f"someone-else, {admin}") as server:
        launched = await launch(server, "pulse threshold 3")
        replies = await press(
            server, data("pulse_close", launched.survey_id), KATHERINE, launched.thread
        )
        assert all("Only the person" not in text_of(reply) for reply in replies)
        assert (await survey(server, launched.survey_id)).status is SurveyStatus.CLOSED
        assert results_posts(server, launched.thread)


async def test_pulse_close_from_another_thread_of_the_channel(server: PulseServer) -> None:
    launched = await launch(server, "pulse threshold 3")
    await answered_by(server, launched, 3)
    refused = await mention(server, "pulse close", GRACE)
    assert "Only the person who launched" in text_of(refused[0])
    await mention(server, "pulse close", ADA)  # a new thread of the same channel
    assert (await survey(server, launched.survey_id)).status is SurveyStatus.CLOSED
    assert results_posts(server, launched.thread)  # in the survey's own thread
    nothing = await mention(server, "pulse close", ADA)
    assert "no open pulse survey" in text_of(nothing[0])


async def test_below_the_threshold_the_results_stay_hidden(server: PulseServer) -> None:
    launched = await launch(server)  # threshold 5
    await answered_by(server, launched, 2)
    form = await open_form(server, launched.survey_id, GRACE, launched.thread)
    labels = {c["title"] for block in choice_sets(form.card) for c in block["choices"]}
    await mention(server, "pulse close", ADA, message_id=thread_message(launched))
    [results] = results_posts(server, launched.thread)
    assert "2 people have answered, fewer than the anonymity threshold of 5" in text_of(results)
    await mention(server, "pulse results", ADA)
    await mention(server, "pulse export", ADA)
    for activity in server.connector.sent():
        if not is_form(activity):
            shown = text_of(activity)
            assert not any(label in shown for label in labels), shown[:300]
            assert "%" not in shown


async def test_the_deadline_closes_a_survey_nobody_touches(server: PulseServer) -> None:
    # Launched through the service with a deadline seconds away (people can only ask for
    # hours or days), its card posted in a thread; then nobody does anything.
    thread = f"{GENERAL};messageid=1700000009999"
    app = server.app
    deadline = app.pulse.now() + timedelta(seconds=2)
    options = LaunchOptions(deadline=deadline, threshold=3, remind=True)
    record = await app.pulse.launch("teams", TENANT_ID, GENERAL, ADA.aad_object_id, options)
    reference = {
        "bot": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {"id": thread, "isGroup": True, "conversationType": "channel"},
        "channelId": "msteams",
        "serviceUrl": server.connector.base_url,
    }
    await app.pulse.posted(record.id, survey_message(reference, "1700000000555"))
    launched = Launched(thread, {}, "1700000000555", record.id)
    await answered_by(server, launched, 3)
    await wait_until(lambda: results_posts(server, thread), timeout=8)
    # The reminder goes privately to the roster's members who have not answered, never in the
    # thread; at Teams' fixed batch times (every 5 s from the reminder time), none fits in this
    # survey's last second (tests/server/test_pulse_reminders.py sends them).
    assert [a for a in in_thread(server, thread) if "Reminder" in text_of(a)] == []
    assert (await survey(server, record.id)).status is SurveyStatus.CLOSED
    await asyncio.sleep(0.5)  # later ticks post nothing more
    assert len(results_posts(server, thread)) == 1
    updates = server.connector.calls(UPDATE)
    assert updates[-1].activity_id == "1700000000555"
    assert "Closed" in json.dumps(updates[-1].body, ensure_ascii=False)


# --- results --------------------------------------------------------------------------------------


async def test_the_results_card_shows_bars_the_recommendation_the_split_and_a_chart(
    server: PulseServer,
) -> None:
    launched = await launch(server, "pulse threshold 3")
    await answered_by(server, launched, 4)  # two and two: every question split
    await press(server, data("pulse_close", launched.survey_id), ADA, launched.thread)
    [results] = results_posts(server, launched.thread)
    shown = text_of(results)
    assert "4 people have answered" in shown
    assert "The team points to:" in shown
    assert "points" in shown or "close call" in shown.lower()
    assert "Where the team is split" in shown
    assert "█████░░░░░ 50%" in shown
    card = card_of(results)
    assert card is not None
    [image] = [block for block in card["body"] if block["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    png = base64.b64decode(image["url"].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(json.dumps(card, separators=(",", ":"))) < 25_000


async def test_pulse_results_posts_the_latest_results_again(server: PulseServer) -> None:
    nothing = await mention(server, "pulse results", GRACE)
    assert "No pulse survey of this channel has closed yet" in text_of(nothing[0])
    launched = await launch(server, "pulse threshold 3")
    await answered_by(server, launched, 3)
    await press(server, data("pulse_close", launched.survey_id), ADA, launched.thread)
    replies = await mention(server, "pulse results", GRACE)  # anyone may see them again
    [again] = replies
    assert "Team pulse results" in text_of(again)
    assert "3 people have answered" in text_of(again)


async def closed_with_three_answers(server: PulseServer) -> Launched:
    launched = await launch(server, "pulse threshold 3")
    await answered_by(server, launched, 3)
    await press(server, data("pulse_close", launched.survey_id), ADA, launched.thread)
    return launched


@dataclass(frozen=True)
class Offer:
    """A file consent card the bot sent, and the private chat it is in."""

    conversation: str
    name: str
    size: int
    accept_context: dict[str, Any]
    decline_context: dict[str, Any]


async def ask_for_export(server: PulseServer, person: Person = ADA) -> Offer:
    """`@bot pulse export`: the consent card the bot sends to the person's private chat."""
    replies = await mention(server, "pulse export", person)
    [offer, note] = replies
    assert "sent the results as a CSV file to our private chat" in text_of(note)
    [attachment] = offer["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    content = attachment["content"]
    assert "never a row per person" in content["description"]
    conversation = str(server.connector.last(CREATE).answer["id"])
    return Offer(
        conversation,
        attachment["name"],
        content["sizeInBytes"],
        content["acceptContext"],
        content["declineContext"],
    )


async def test_pulse_export_offers_a_file_and_uploads_it_once_allowed(
    server: PulseServer,
) -> None:
    launched = await closed_with_three_answers(server)
    refused = await mention(server, "pulse export", GRACE)
    assert "Only the person who launched this survey, or an admin, can export it" in text_of(
        refused[0]
    )
    assert len(refused) == 1  # and nothing private for Grace
    offer = await ask_for_export(server)
    assert server.connector.last(CREATE).body["members"] == [{"id": ADA.id}]  # type: ignore[index]
    assert offer.name == f"team-pulse-{launched.survey_id[:8]}.csv"
    assert offer.accept_context == {"survey": launched.survey_id}

    async with FakeOneDrive() as drive:
        before = len(server.connector.sent(offer.conversation))
        delivery = await server.teams.file_consent(
            "accept",
            offer.accept_context,
            upload_url=drive.upload_url(offer.name),
            file_name=offer.name,
            conversation_id=offer.conversation,
        )
        [upload] = drive.uploads

    assert delivery.status == 200  # the invoke response
    assert upload.status == 201
    assert upload.authorization is None  # the upload URL carries its own authorisation
    assert len(upload.body) == offer.size
    assert upload.content_range == f"bytes 0-{offer.size - 1}/{offer.size}"
    csv = upload.body.decode("utf-8-sig")
    assert upload.body.startswith(b"\xef\xbb\xbf")  # Excel reads the labels as UTF-8
    assert csv.startswith("question_id,question,dimension,option_id,option,count,share\n")
    assert "respondents,3,threshold,3" in csv
    [shown] = server.connector.sent(offer.conversation)[before:]
    assert "saved in your OneDrive" in shown["text"]
    [card] = shown["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    assert card["name"] == offer.name
    assert card["contentUrl"].endswith(offer.name)
    assert card["content"]["fileType"] == "csv"
    assert card["content"]["uniqueId"]


async def test_a_declined_export_comes_as_text_instead(server: PulseServer) -> None:
    await closed_with_three_answers(server)
    offer = await ask_for_export(server)
    before = len(server.connector.sent(offer.conversation))

    delivery = await server.teams.file_consent(
        "decline", offer.decline_context, conversation_id=offer.conversation
    )

    assert delivery.status == 200
    [text] = server.connector.sent(offer.conversation)[before:]
    assert text["text"].startswith("Nothing was saved to your OneDrive")
    assert "```\nquestion_id,question,dimension,option_id,option,count,share\n" in text["text"]
    assert "respondents,3,threshold,3" in text["text"]
    assert text["text"].rstrip().endswith("```")


async def test_a_failed_upload_says_so_and_gives_the_counts_as_text(
    server: PulseServer, caplog: pytest.LogCaptureFixture
) -> None:
    await closed_with_three_answers(server)
    offer = await ask_for_export(server)
    async with FakeOneDrive() as drive:
        url = drive.upload_url(offer.name)
        drive.fail_next(503)
        before = len(server.connector.sent(offer.conversation))
        delivery = await server.teams.file_consent(
            "accept", offer.accept_context, upload_url=url, conversation_id=offer.conversation
        )

    assert delivery.status == 200
    [text] = server.connector.sent(offer.conversation)[before:]
    assert text["text"].startswith("I couldn't save the file to your OneDrive")
    assert "respondents,3,threshold,3" in text["text"]
    assert "pulse export upload failed" in caplog.text
    assert url not in caplog.text  # a pre-authenticated URL is a secret


async def test_only_a_launcher_or_admin_gets_the_file_and_only_once(server: PulseServer) -> None:
    launched = await closed_with_three_answers(server)
    offer = await ask_for_export(server)
    async with FakeOneDrive() as drive:
        # A consent answer in someone else's name (a card forwarded, or forged): refused.
        before = len(server.connector.sent())
        await server.teams.file_consent(
            "accept",
            offer.accept_context,
            upload_url=drive.upload_url(offer.name),
            user_id=GRACE.id,
            user_name=GRACE.name,
            conversation_id="a:grace-personal",
        )
        [refusal] = server.connector.sent()[before:]
        assert "Only the person who launched this survey" in text_of(refusal)
        # A survey that is not one: nothing.
        before = len(server.connector.sent())
        await server.teams.file_consent(
            "accept",
            {"survey": "f" * 32},
            upload_url=drive.upload_url(offer.name),
            conversation_id=offer.conversation,
        )
        [unknown] = server.connector.sent()[before:]
        assert "can't find that survey" in text_of(unknown)
        assert drive.uploads == []
        # Teams redelivers an invoke the bot was slow to answer: one upload all the same.
        url = drive.upload_url(offer.name)
        for _ in range(2):
            await server.teams.file_consent(
                "accept",
                offer.accept_context,
                upload_url=url,
                conversation_id=offer.conversation,
                activity_id="f:1700000000777",
            )
        assert [upload.status for upload in drive.uploads] == [201]
    assert launched.survey_id in offer.accept_context.values()


async def test_answering_after_close_is_refused(server: PulseServer) -> None:
    launched = await launch(server, "pulse threshold 3")
    form = await open_form(server, launched.survey_id, GRACE, launched.thread)
    await mention(server, "pulse close", ADA, message_id=thread_message(launched))
    chosen = {q: options[0] for q, options in form.options().items()}
    reply = await send_answers(server, launched.survey_id, GRACE, form.conversation, chosen)
    assert "This survey is closed" in text_of(reply)
    assert await server.app.pulse.count(launched.survey_id) == 0
    late = await open_form(server, launched.survey_id, KATHERINE, launched.thread)
    assert "This survey is closed" in text_of(late.card)
    assert not is_form(late.card)


async def test_a_forged_survey_id_finds_nothing(server: PulseServer) -> None:
    launched = await launch(server)
    replies = await press(server, data("pulse_close", "f" * 32), ADA, launched.thread)
    assert "can't find that survey" in text_of(replies[0])
    late = await open_form(server, "e" * 32, GRACE, launched.thread)
    assert "can't find that survey" in text_of(late.card)


# --- anonymity ------------------------------------------------------------------------------------


async def test_nothing_logged_or_stored_names_a_respondent(
    server: PulseServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    launched = await launch(server, "pulse threshold 3")
    await answered_by(server, launched, 4)
    await answer(server, launched, GRACE, 1)  # a changed answer
    await press(server, data("pulse_close", launched.survey_id), GRACE, launched.thread)
    await mention(server, "pulse close", ADA, message_id=thread_message(launched))
    await mention(server, "pulse results", KATHERINE)
    offer = await ask_for_export(server)
    async with FakeOneDrive() as drive:
        await server.teams.file_consent(
            "accept",
            offer.accept_context,
            upload_url=drive.upload_url(offer.name),
            conversation_id=offer.conversation,
        )
        [upload] = drive.uploads
    await asyncio.sleep(0.6)
    assert caplog.records
    logged = caplog.text  # every record, formatted, tracebacks included
    for person in RESPONDENTS[:4]:
        for trace in (person.id, person.aad_object_id, person.name):
            assert trace not in logged
    stored = b"".join(
        path.read_bytes() for path in server.database.parent.glob(server.database.name + "*")
    )
    for person in RESPONDENTS[:4]:
        for trace in (person.id, person.aad_object_id, person.name):
            assert trace.encode() not in stored
    # What the channel saw (the card, its updates, the results) and the export, which goes to
    # the launcher's personal chat: counts, never a person who answered.
    # (Only what is shown: a reply's addressing names whom it answers, as Teams requires.)
    updates = [call.body or {} for call in server.connector.calls(UPDATE)]
    channel = [shown_of(a) for a in [*server.connector.sent(launched.thread), *updates]]
    export = upload.body.decode("utf-8-sig")
    assert "question_id" in export
    for shown in [*channel, export]:
        for person in RESPONDENTS[:4]:
            for trace in (person.id, person.aad_object_id, person.name):
                assert trace not in shown, shown[:300]


def shown_of(activity: dict[str, Any]) -> str:
    """What people see of an activity: its text, summary and cards."""
    parts = {key: activity.get(key) for key in ("text", "summary", "attachments")}
    return json.dumps(parts, ensure_ascii=False)
