"""The Teams dispatch (`AdvisorTeamsBot`) through botbuilder's own TestAdapter: no HTTP, the
real SDK turn pipeline, a real service over the in-memory repository."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

from bot.handlers.teams.dispatch import AdvisorTeamsBot
from bot.handlers.teams.submit import answer_data, command_data
from bot.handlers.teams.translate import conversation_key, delivery_key, delivery_prefix
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.service import AdvisorService
from storage.memory import MemoryStorage

TENANT = "tenant-1"
BOT = ChannelAccount(id="28:bot", name="AI Ownership Advisor")
USER = ChannelAccount(id="29:user", name="Ada", aad_object_id="aad-ada")


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


def template(conversation_type: str = "personal") -> Activity:
    return Activity(
        channel_id="msteams",
        service_url="https://smba.example/teams/",
        from_property=USER,
        recipient=BOT,
        conversation=ConversationAccount(id="a:1", conversation_type=conversation_type),
        channel_data={"tenant": {"id": TENANT}},
    )


class Harness:
    def __init__(self, knowledge: Knowledge, conversation_type: str = "personal") -> None:
        self.repository = MemoryStorage()
        self.bot = AdvisorTeamsBot(
            AdvisorService(self.repository.conversations, lambda: knowledge),
            self.repository.conversations,
        )
        self.adapter = TestAdapter(self.bot.on_turn, template(conversation_type))

    async def send(
        self, text: str | None = None, value: dict[str, Any] | None = None
    ) -> list[Activity]:
        self.adapter.activity_buffer.clear()
        activity = Activity(type=ActivityTypes.message, text=text, value=value)
        await self.adapter.receive_activity(activity)
        return list(self.adapter.activity_buffer)


def card(activity: Activity) -> dict[str, Any]:
    assert activity.attachments, activity
    content: dict[str, Any] = activity.attachments[0].content
    return content


def first_answer(activity: Activity) -> dict[str, Any]:
    text = repr(card(activity))
    assert "'advisor': 'answer'" in text
    for element in card(activity)["body"]:
        for action in element.get("actions", []):
            data = action.get("data") or {}
            if data.get("advisor") == "answer":
                return dict(data)
    raise AssertionError("no answer button")


async def test_hi_starts_the_diagnostic(knowledge: Knowledge) -> None:
    harness = Harness(knowledge)
    sent = await harness.send("hi")
    assert len(sent) == 2
    assert first_answer(sent[-1])["q"] == knowledge.questions[0].id


async def test_buttons_and_words_drive_the_diagnostic(knowledge: Knowledge) -> None:
    harness = Harness(knowledge)
    sent = await harness.send("start")
    for _ in knowledge.questions:
        sent = await harness.send(value=first_answer(sent[-1]))
        if "restart" in repr(card(sent[-1])) and "answer" not in repr(card(sent[-1])):
            break
    assert "Your AI ownership summary" in repr(card(sent[-1])) or "IT-led" in repr(card(sent[-1]))
    stored = await harness.repository.conversations.latest_assessment(conversation_key(template()))
    assert stored is not None


async def test_command_buttons(knowledge: Knowledge) -> None:
    harness = Harness(knowledge)
    await harness.send("start")
    sent = await harness.send(value=command_data("skip"))
    assert len(sent) == 1  # "↷ Skipped" on top of the next question
    key = conversation_key(template())
    stored = await harness.repository.conversations.load_conversation(key)
    assert stored is not None
    assert list(stored.state["answers"].values()) == [None]


async def test_a_forged_or_stale_submit_changes_nothing(knowledge: Knowledge) -> None:
    harness = Harness(knowledge)
    await harness.send("start")
    assert await harness.send(value={"advisor": "answer", "q": "<script>", "o": 1}) == []
    stale = await harness.send(value=answer_data("no_such_question", "x"))
    assert "older version" in repr(card(stale[0])) or "older version" in (stale[0].text or "")


async def test_channel_messages_are_answered_as_questions(knowledge: Knowledge) -> None:
    harness = Harness(knowledge, conversation_type="channel")
    sent = await harness.send("<at>AI Ownership Advisor</at> how should we measure success?")
    assert len(sent) == 1
    assert "You asked" in repr(card(sent[0]))
    start = await harness.send("start")
    assert "private chat" in repr(card(start[0])) or "private chat" in (start[0].text or "")


async def test_welcome_only_when_the_bot_itself_is_added(knowledge: Knowledge) -> None:
    harness = Harness(knowledge)
    someone = Activity(type=ActivityTypes.conversation_update, members_added=[USER])
    await harness.adapter.receive_activity(someone)
    assert harness.adapter.activity_buffer == []
    added = Activity(type=ActivityTypes.conversation_update, members_added=[BOT])
    await harness.adapter.receive_activity(added)
    assert len(harness.adapter.activity_buffer) == 1


async def test_the_reference_allows_a_proactive_message(knowledge: Knowledge) -> None:
    harness = Harness(knowledge)
    await harness.send("hi")
    stored = await harness.repository.conversations.load_reference(conversation_key(template()))
    assert stored is not None
    reference = ConversationReference().deserialize(stored)
    delivered: list[str] = []

    async def say(turn_context: TurnContext) -> None:
        delivered.append(turn_context.activity.conversation.id)
        await turn_context.send_activity("The team pulse survey is open.")

    harness.adapter.activity_buffer.clear()
    await harness.adapter.continue_conversation(reference, say, bot_id=BOT.id)
    assert delivered == ["a:1"]
    assert harness.adapter.activity_buffer[-1].text == "The team pulse survey is open."


async def test_a_pulse_press_records_nothing_about_the_person(knowledge: Knowledge) -> None:
    """Survey presses skip the reference and delivery bookkeeping of every other message,
    even in a private chat (here with no pulse configured: nothing is done at all)."""
    harness = Harness(knowledge)
    value = {"advisor": "pulse_send", "s": "0" * 32, "pulse_q:mandate": "it"}
    assert await harness.send(value=value) == []
    assert (
        await harness.repository.conversations.load_reference(conversation_key(template())) is None
    )
    assert (
        await harness.repository.conversations.load_conversation(conversation_key(template()))
        is None
    )


def test_delivery_keys_start_with_the_conversation_prefix_forget_deletes() -> None:
    activity = template()
    activity.id = "act-1"
    assert delivery_key(activity) == "teams:a:1:act-1"
    assert delivery_prefix(activity) == "teams:a:1:"
    activity.id = None
    assert delivery_key(activity) is None


def test_a_delivery_key_without_a_conversation_id_keeps_its_form() -> None:
    activity = Activity(id="act-1")
    assert delivery_key(activity) == "teams::act-1"
    activity.conversation = ConversationAccount(id="")
    assert delivery_key(activity) == "teams::act-1"
    activity.conversation = ConversationAccount()
    assert delivery_key(activity) == "teams:None:act-1"
