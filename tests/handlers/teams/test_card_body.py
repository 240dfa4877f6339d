"""Cards are sent without msrest walking them, and nothing else changes
(`bot.handlers.teams.card_body`); that every view's card is sent as msrest would send it is
checked in `tests/views/test_render_limits.py`."""

from __future__ import annotations

import copy
from typing import Any

from botbuilder import schema
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Attachment, ChannelAccount, ConversationParameters
from botbuilder.schema import teams as teams_schema
from botbuilder.schema.teams import FileConsentCard
from botframework.connector import models as connector_models
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.serialization import Model

from bot.handlers.teams.card_body import CardPassingSerializer, FinishedCard, pass_cards_through
from tests.handlers.teams.card_checks import with_plain_cards

CARD = FinishedCard(
    {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "hi"}]}
)


def serializers() -> tuple[Any, Any]:
    """msrest's serializer of a fresh connector client, and the one that replaces it."""
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url="http://127.0.0.1:9")
    msrest = client.conversations._serialize
    return msrest, pass_cards_through(client).conversations._serialize


def consent_attachment() -> Attachment:
    card = FileConsentCard(description="results", size_in_bytes=10)
    return Attachment(
        content_type="application/vnd.microsoft.teams.card.file.consent",
        name="pulse.csv",
        content=card,
    )


def test_only_the_conversation_operations_change() -> None:
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url="http://127.0.0.1:9")
    attachments_serializer = client.attachments._serialize

    pass_cards_through(client)

    assert isinstance(client.conversations._serialize, CardPassingSerializer)
    assert client.attachments._serialize is attachments_serializer


def test_the_card_is_passed_as_it_is_and_the_activity_is_left_unchanged() -> None:
    msrest, passing = serializers()
    activity = MessageFactory.attachment(CardFactory.adaptive_card(CARD))
    attachment = activity.attachments[0]

    body = passing.body(activity, "Activity")

    assert body["attachments"][0]["content"] is CARD
    assert body == msrest.body(with_plain_cards(activity), "Activity")
    assert activity.attachments[0] is attachment
    assert attachment.content is CARD


def test_other_attachments_are_still_serialized_by_msrest() -> None:
    msrest, passing = serializers()
    activity = MessageFactory.carousel(
        [consent_attachment(), CardFactory.adaptive_card(CARD), consent_attachment()]
    )

    body = passing.body(activity, "Activity")

    assert body == msrest.body(with_plain_cards(activity), "Activity")
    assert body["attachments"][0]["content"] == {"description": "results", "sizeInBytes": 10}
    assert body["attachments"][1]["content"] is CARD


def test_a_card_not_marked_finished_goes_through_msrest() -> None:
    msrest, passing = serializers()
    activity = MessageFactory.attachment(CardFactory.adaptive_card(dict(CARD)))

    body = passing.body(activity, "Activity")

    assert body == msrest.body(activity, "Activity")
    assert body["attachments"][0]["content"] is not activity.attachments[0].content


def test_a_finished_card_is_shared_by_deep_copies() -> None:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(CARD))

    copied = copy.deepcopy(activity)

    assert copied.attachments[0] is not activity.attachments[0]
    assert copied.attachments[0].content is CARD


def test_a_finished_card_is_passed_wherever_it_is() -> None:
    msrest, passing = serializers()
    parameters = ConversationParameters(
        is_group=False,
        members=[ChannelAccount(id="29:1")],
        activity=MessageFactory.attachment(CardFactory.adaptive_card(CARD)),
    )

    body = passing.body(parameters, "ConversationParameters")

    assert body["activity"]["attachments"][0]["content"] is CARD
    assert body == msrest.body(with_plain_cards(parameters), "ConversationParameters")


def test_other_bodies_are_msrest_s() -> None:
    msrest, passing = serializers()
    parameters = ConversationParameters(is_group=False, members=[ChannelAccount(id="29:1")])
    text = MessageFactory.text("hello")

    assert passing.body(parameters, "ConversationParameters") == msrest.body(
        parameters, "ConversationParameters"
    )
    assert passing.body(text, "Activity") == msrest.body(text, "Activity")


def test_the_bot_framework_schema_declares_no_constraints() -> None:
    """What lets `CardPassingSerializer.body` skip msrest's validation pass."""
    modules = (schema, teams_schema, connector_models)
    models = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Model)
    ]
    assert len(models) > 50
    assert [model.__name__ for model in models if model._validation] == []


def test_a_dict_body_is_still_turned_into_its_model() -> None:
    msrest, passing = serializers()
    data = {"type": "message", "text": "hi", "from": {"id": "29:1"}}

    assert passing.body(data, "Activity") == msrest.body(data, "Activity")
