"""Teams end to end: Bot Framework activities POSTed to the real server's /api/messages, the
bot's replies recorded by a fake connector at the activities' serviceUrl."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import Settings, teams_config
from bot.server import build_web_app
from storage.conversations import ConversationKey
from testing.fakes.fixtures import bot_server
from testing.fakes.teams_activities import (
    BOT_NAME,
    PERSONAL_CONVERSATION_ID,
    TENANT_ID,
    USER_AAD_OBJECT_ID,
    TeamsActivities,
)
from testing.fakes.teams_connector import FakeConnector
from testing.flows.teams import card_of, is_summary, submits, text_of

KEY = ConversationKey("teams", TENANT_ID, USER_AAD_OBJECT_ID)
APP_ID = "00000000-0000-0000-0000-000000000001"


@dataclass
class TeamsServer:
    teams: TeamsActivities
    connector: FakeConnector
    app: App


async def serve(settings: Settings, dev: bool) -> AsyncIterator[TeamsServer]:
    async with FakeConnector() as connector:
        app = await build_app(settings)
        web_app = build_web_app(app, None, teams_config(settings, dev=dev))
        async with bot_server(web_app) as base:
            yield TeamsServer(TeamsActivities(base, connector.base_url), connector, app)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TeamsServer]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'advisor.db'}")
    async for running in serve(settings, dev=True):
        yield running


async def say(server: TeamsServer, text: str | None, count: int, **options: object) -> None:
    before = len(server.connector.sent())
    delivery = await server.teams.personal_message(text, **options)  # type: ignore[arg-type]
    assert delivery.status in (200, 201)
    await server.connector.wait_for_sent(before + count)


async def test_welcome_when_added_to_a_personal_chat(server: TeamsServer) -> None:
    delivery = await server.teams.members_added(conversation_type="personal")
    assert delivery.status in (200, 201)
    await server.connector.wait_for_sent(1)
    welcome = server.connector.sent()[0]
    assert card_of(welcome) is not None
    assert submits(welcome, "command")


async def test_full_diagnostic_by_card_buttons(server: TeamsServer) -> None:
    await say(server, "hi", 2)
    for _ in range(20):
        last = server.connector.sent()[-1]
        if is_summary(last):
            break
        answer = submits(last, "answer")[0]
        await say(server, None, 1, value=answer)  # the acknowledgement rides on the next card
    summary = server.connector.sent()[-1]
    assert is_summary(summary)
    assert "IT-led" in text_of(summary)
    assert submits(summary, "ask")  # the Ask form
    record = await server.app.storage.conversations.latest_assessment(KEY)
    assert record is not None
    assert record.recommendation == "it_led"


async def test_full_diagnostic_by_free_text(server: TeamsServer) -> None:
    await say(server, "start", 2)
    typed = ["b", "the second one", "ROI and hours saved", "a few weeks in one area"]
    typed += ["a business leader, not IT"] + ["b"] * 6
    for text in typed:
        await say(server, text, 1)
        assert "✓" in text_of(server.connector.sent()[-1]), text
    await say(server, "b", 1)
    assert is_summary(server.connector.sent()[-1])
    assert "Business-led" in text_of(server.connector.sent()[-1])


async def test_unsure_answer_offers_buttons(server: TeamsServer) -> None:
    await say(server, "start", 2)
    await say(server, "purple elephants", 1)
    clarification = server.connector.sent()[-1]
    assert len(submits(clarification, "answer")) == 4


async def test_a_question_about_an_option_is_explained_not_recorded(server: TeamsServer) -> None:
    await say(server, "start", 2)
    await say(server, "what does 'at scale' mean?", 2)
    explanation, question = server.connector.sent()[-2:]
    assert "Run AI reliably and securely at scale" in text_of(explanation)
    assert "platform that every team builds on" in text_of(explanation)
    assert len(submits(question, "answer")) == 4
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state["answers"] == {}


async def test_ask_and_commands_as_words(server: TeamsServer) -> None:
    await say(server, "ask how should we measure AI success?", 1)
    assert "Organizational Gap" in text_of(server.connector.sent()[-1]) or "AI vs IT" in text_of(
        server.connector.sent()[-1]
    )
    await say(server, "start", 2)
    for word, count in (("skip", 1), ("back", 2), ("why", 2), ("help", 2), ("cancel", 1)):
        await say(server, word, count)
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state["phase"] == "idle"


async def test_channel_mention_answers_in_the_thread(server: TeamsServer) -> None:
    delivery = await server.teams.channel_mention("who should own the AI budget?")
    assert delivery.status in (200, 201)
    await server.connector.wait_for_sent(1)
    thread = server.teams.last["conversation"]["id"]
    assert server.connector.sent(thread)
    assert ";messageid=" in thread


async def test_duplicate_delivery_is_processed_once(server: TeamsServer) -> None:
    await say(server, "start", 2)
    first = await server.teams.personal_message("a", activity_id="1700000000999")
    again = await server.teams.personal_message("a", activity_id="1700000000999")
    assert first.status in (200, 201)
    assert again.status in (200, 201)
    await server.connector.wait_for_sent(3)
    await say(server, "help", 2)
    stored = await server.app.storage.conversations.load_conversation(KEY)
    assert stored is not None
    assert len(stored.state["answers"]) == 1


async def test_conversation_reference_is_kept(server: TeamsServer) -> None:
    await say(server, "hi", 2)
    reference = await server.app.storage.conversations.load_reference(KEY)
    assert reference is not None
    assert reference["conversation"]["id"] == PERSONAL_CONVERSATION_ID
    assert reference["serviceUrl"] == server.connector.base_url


async def test_hostile_text_is_not_echoed_raw(server: TeamsServer) -> None:
    await say(server, "ask [click](http://evil.example) <at>Boss</at> **hi**", 1)
    reply = text_of(server.connector.sent()[-1])
    assert "[click](http" not in reply  # the link syntax arrives escaped, inert
    assert "<at>" not in reply


async def test_bot_name_elsewhere_in_a_mention_stays() -> None:
    from bot.handlers.teams.translate import plain_text

    mention = f"<at>{BOT_NAME}</at>"
    entities = [{"type": "mention", "mentioned": {"id": "28:bot"}, "text": mention}]
    text = f"{mention} is the {BOT_NAME} biased toward IT?"
    assert plain_text(text, entities, "28:bot") == f"is the {BOT_NAME} biased toward IT?"


async def test_replies_reuse_one_connection_to_the_connector(server: TeamsServer) -> None:
    # The connector client outlives its turn, so its kept-alive connection does too: no new
    # connection (against the real connector: no TLS handshake) for every turn.
    await say(server, "hi", 2)
    await say(server, "help", 2)
    await say(server, "help", 2)
    ports = {call.client_port for call in server.connector.calls()}
    assert len(server.connector.calls()) == 6
    assert len(ports) == 1
    assert None not in ports
