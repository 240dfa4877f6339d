"""The Teams fakes against the real Bot Framework SDK (botbuilder 4.17): if these pass, a failing
Teams scenario test is about the bot, not about a fake that disagrees with the SDK.

Nothing here may reach the internet: the autouse `network` fixture fails any test that resolves a
host other than the loopback, so a test that would quietly depend on login.botframework.com
(which the SDK contacts to validate tokens) fails loudly instead of hanging offline.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
)
from botframework.connector.models import ErrorResponseException
from botframework.connector.teams import TeamsConnectorClient

from bot.handlers.teams.export_file import report_consent_activity
from testing.fakes.local_server import local_server
from testing.fakes.teams_activities import (
    BOT_ID,
    GROUP_CHAT_ID,
    PERSONAL_CONVERSATION_ID,
    TEAM_ID,
    TENANT_ID,
    USER_AAD_OBJECT_ID,
    USER_ID,
    USER_NAME,
    ChannelTokenSigner,
    ConversationType,
    TeamsActivities,
    load_fixture,
)
from testing.fakes.teams_connector import (
    CREATE,
    DELETE,
    MEMBER,
    PAGED_MEMBERS,
    REPLY,
    SEND,
    TEAM_DETAILS,
    UNKNOWN,
    UPDATE,
    FakeConnector,
    ManualClock,
    error_body,
    make_members,
)

APP_ID = "00000000-0000-0000-0000-000000000001"
APP_PASSWORD = "x"
CONNECTOR_TOKEN = "offline-connector-token"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SHORT_TIMEOUT = 5.0  # no request here may take long: a refused connection must not hang a test


@dataclass(frozen=True)
class BotConfiguration:
    """The attribute names botbuilder's configuration readers look up."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""


EMULATOR = BotConfiguration()
CONFIGURED = BotConfiguration(APP_ID=APP_ID, APP_PASSWORD=APP_PASSWORD)


class EchoBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    """Echoes text, answers card submissions, welcomes itself in, and keeps what it saw."""

    def __init__(self) -> None:
        self.received: list[Activity] = []
        self.references: list[ConversationReference] = []

    async def on_turn(self, turn_context: TurnContext) -> None:
        self.received.append(turn_context.activity)
        self.references.append(TurnContext.get_conversation_reference(turn_context.activity))
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None:
            await turn_context.send_activity(f"value: {json.dumps(activity.value, sort_keys=True)}")
            return
        text = (TurnContext.remove_recipient_mention(activity) or "").strip()
        if text == "whoami":
            member = await TeamsInfo.get_member(turn_context, activity.from_property.id)
            await turn_context.send_activity(f"you are {member.name} ({member.email})")
            return
        await turn_context.send_activity(f"echo: {text}")

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        if any(member.id == turn_context.activity.recipient.id for member in members_added):
            await turn_context.send_activity("welcome")


@dataclass
class Network:
    """Hosts the code under test tried to resolve (each attempt failed at once)."""

    attempts: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    """No internet: resolving any host but the loopback fails immediately and is recorded.

    Name resolution is where every client starts (requests/urllib3, aiohttp, msal), so this
    catches the SDK's token-key downloads without waiting for a connect timeout. A test that
    expects an attempt asserts on it and clears the list; any other attempt fails the test.
    """
    seen = Network()
    real_getaddrinfo = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOOPBACK:
            seen.attempts.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"network disabled in tests: {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield seen
    assert seen.attempts == [], f"unexpected network access: {seen.attempts}"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as running:
        yield running


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def messages_handler(adapter: CloudAdapter, bot: ActivityHandler) -> Handler:
    """/api/messages exactly as the SDK serves it: errors propagate (aiohttp answers 500)."""

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=200)

    return messages


def guarded_messages_handler(adapter: CloudAdapter, bot: ActivityHandler) -> Handler:
    """The same, but a token PyJWT cannot parse or verify is a 401, not a 500 (see below)."""
    inner = messages_handler(adapter, bot)

    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            return await inner(request)
        except jwt.PyJWTError as exc:
            raise web.HTTPUnauthorized() from exc

    return messages


@dataclass
class RunningBot:
    teams: TeamsActivities
    bot: EchoBot
    adapter: CloudAdapter
    errors: list[Exception]  # what reached the adapter's on_turn_error


Serve = Callable[..., AbstractAsyncContextManager[RunningBot]]


@pytest.fixture
def serve(connector: FakeConnector) -> Serve:
    """`async with serve(configuration) as running:` an echo bot behind a real CloudAdapter on
    127.0.0.1, with `running.teams` sending to it and naming `connector` as serviceUrl."""

    @asynccontextmanager
    async def serving(
        configuration: BotConfiguration = EMULATOR,
        *,
        guarded: bool = False,
        credentials: PasswordServiceClientCredentialFactory | None = None,
    ) -> AsyncIterator[RunningBot]:
        auth = ConfigurationBotFrameworkAuthentication(
            configuration, credentials_factory=credentials
        )
        adapter = CloudAdapter(auth)
        errors: list[Exception] = []

        async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
            errors.append(error)

        adapter.on_turn_error = on_turn_error
        bot = EchoBot()
        build = guarded_messages_handler if guarded else messages_handler
        app = web.Application()
        app.router.add_post("/api/messages", build(adapter, bot))
        async with local_server(app) as bot_url:
            teams = TeamsActivities(bot_url, connector.base_url, timeout=SHORT_TIMEOUT)
            yield RunningBot(teams, bot, adapter, errors)

    return serving


# Emulator mode: messages in, replies out -------------------------------------------------------


async def test_personal_message_gets_an_echo_at_the_connector(
    serve: Serve, connector: FakeConnector
) -> None:
    async with serve() as running:
        status, body, elapsed = await running.teams.personal_message("hi")

    assert status == 201  # CloudAdapter answers every non-invoke activity with 201, no body
    assert body == ""
    assert elapsed < SHORT_TIMEOUT
    [reply] = await connector.wait_for(REPLY)
    assert reply.method == "POST"
    assert reply.conversation_id == PERSONAL_CONVERSATION_ID
    assert reply.activity_id == running.teams.last["id"]
    assert reply.authorization is None  # emulator mode: no outbound token either
    assert reply.body is not None
    assert reply.body["text"] == "echo: hi"
    assert reply.body["recipient"]["id"] == USER_ID
    assert reply.body["from"]["id"] == BOT_ID
    assert reply.body["replyToId"] == running.teams.last["id"]
    assert connector.sent() == [reply.body]
    assert connector.texts(PERSONAL_CONVERSATION_ID) == ["echo: hi"]
    assert reply.status == 201
    assert reply.answer == {"id": "1700000000001"}

    [received] = running.bot.received
    assert received.channel_id == "msteams"
    assert received.conversation.conversation_type == "personal"
    # botbuilder-python maps ConversationAccount.tenant_id to the key "tenantID", but Teams sends
    # "tenantId": the attribute is always None. Read the tenant from channelData.
    assert received.conversation.tenant_id is None
    assert received.channel_data["tenant"]["id"] == TENANT_ID
    assert received.from_property.aad_object_id == USER_AAD_OBJECT_ID
    assert received.from_property.name == USER_NAME
    assert received.entities[0].type == "clientInfo"


async def test_channel_mention_reply_goes_to_the_thread(
    serve: Serve, connector: FakeConnector
) -> None:
    async with serve() as running:
        await running.teams.channel_mention("who should own AI?")
        new_thread = running.teams.last
        await running.teams.channel_mention("and who pays?", message_id="1690000000000")
        in_thread = running.teams.last

    assert new_thread["text"] == "<at>AI Ownership Advisor</at> who should own AI?"
    assert new_thread["entities"][0] == {
        "mentioned": {"id": BOT_ID, "name": "AI Ownership Advisor"},
        "text": "<at>AI Ownership Advisor</at>",
        "type": "mention",
    }
    assert new_thread["channelData"]["teamsTeamId"] == TEAM_ID
    first, second = await connector.wait_for(REPLY, count=2)
    assert first.conversation_id == f"{TEAM_ID};messageid={new_thread['id']}"
    assert second.conversation_id == f"{TEAM_ID};messageid=1690000000000"
    assert second.activity_id == in_thread["id"]
    # The SDK strips the mention but leaves a leading space (stripped by the echo bot).
    assert connector.texts() == ["echo: who should own AI?", "echo: and who pays?"]
    received = running.bot.received[0]
    assert received.conversation.is_group is True
    assert received.conversation.conversation_type == "channel"
    assert received.channel_data["team"]["id"] == TEAM_ID


async def test_group_chat_mention(serve: Serve, connector: FakeConnector) -> None:
    async with serve() as running:
        await running.teams.group_chat_mention("hello all")

    [reply] = await connector.wait_for(REPLY)
    assert reply.conversation_id == GROUP_CHAT_ID
    assert connector.texts() == ["echo: hello all"]
    assert running.bot.received[0].channel_data == {"tenant": {"id": TENANT_ID}}


@pytest.mark.parametrize(
    ("conversation_type", "conversation_id"),
    [("personal", PERSONAL_CONVERSATION_ID), ("channel", TEAM_ID), ("groupChat", GROUP_CHAT_ID)],
)
async def test_bot_added_gets_a_welcome(
    serve: Serve,
    connector: FakeConnector,
    conversation_type: ConversationType,
    conversation_id: str,
) -> None:
    async with serve() as running:
        status, _, _ = await running.teams.members_added(conversation_type=conversation_type)

    assert status == 201
    assert connector.texts(conversation_id) == ["welcome"]
    # A welcome goes to the conversation, not as a reply to the conversationUpdate.
    assert [call.operation for call in connector.calls()] == [SEND]
    event = running.teams.last
    assert event["id"].startswith("f:")
    assert {"id": BOT_ID} in event["membersAdded"]
    if conversation_type == "channel":
        assert event["channelData"]["eventType"] == "teamMemberAdded"


async def test_user_added_gets_no_welcome(serve: Serve, connector: FakeConnector) -> None:
    async with serve() as running:
        await running.teams.members_added(conversation_type="channel", members=["29:2newcomer"])

    assert connector.calls() == []
    [member] = running.bot.received[0].members_added
    assert member.id == "29:2newcomer"
    assert member.aad_object_id  # users carry their Entra object id


async def test_card_submit_arrives_as_value(serve: Serve, connector: FakeConnector) -> None:
    async with serve() as running:
        await running.teams.personal_message(
            None, value={"question": "owner", "answer": "it"}, reply_to_id="1700000000009"
        )

    [received] = running.bot.received
    assert received.type == ActivityTypes.message
    assert received.text is None
    assert received.value == {"question": "owner", "answer": "it"}
    assert received.reply_to_id == "1700000000009"
    assert connector.texts() == ['value: {"answer": "it", "question": "owner"}']


async def test_redelivery_repeats_the_activity_id(serve: Serve, connector: FakeConnector) -> None:
    async with serve() as running:
        await running.teams.personal_message("hi")
        await running.teams.resend()
        await running.teams.personal_message("hi", activity_id=running.teams.last["id"])

    ids = {activity.id for activity in running.bot.received}
    assert len(running.bot.received) == 3
    assert len(ids) == 1  # the echo bot does not deduplicate; the bot under test must
    assert [call.activity_id for call in connector.calls(REPLY)] == [ids.pop()] * 3


async def test_installation_update(serve: Serve) -> None:
    async with serve() as running:
        status, _, _ = await running.teams.install_update("remove", conversation_type="channel")

    assert status == 201
    [received] = running.bot.received
    assert received.type == ActivityTypes.installation_update
    assert received.action == "remove"
    assert received.channel_data["team"]["id"] == TEAM_ID


async def test_member_lookup_through_teams_info(serve: Serve, connector: FakeConnector) -> None:
    async with serve() as running:
        await running.teams.personal_message("whoami")

    [lookup] = connector.calls(MEMBER)
    assert lookup.conversation_id == PERSONAL_CONVERSATION_ID
    assert lookup.path.endswith(f"/members/{USER_ID}")
    assert connector.texts() == [f"you are {USER_NAME} (ada.lovelace@acme.example)"]


# Connector service behaviour ---------------------------------------------------------------------


async def test_throttled_send_raises_in_the_bot(serve: Serve, connector: FakeConnector) -> None:
    connector.respond(
        REPLY, 429, error_body("Throttled", "Too many requests"), headers={"Retry-After": "2"}
    )
    async with serve() as running:
        status, _, _ = await running.teams.personal_message("hi")
        await running.teams.personal_message("again")

    assert status == 201  # the adapter's on_turn_error handled it
    [error] = running.errors
    assert isinstance(error, ErrorResponseException)
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "2"  # the SDK does not retry by itself
    assert [call.status for call in connector.calls(REPLY)] == [429, 201]
    assert connector.texts() == ["echo: again"]  # a refused send is not counted as sent


async def test_proactive_messages(serve: Serve, connector: FakeConnector) -> None:
    async with serve() as running:
        await running.teams.personal_message("remember me")
        reference = running.bot.references[0]
        connector.clear()

        async def survey(turn_context: TurnContext) -> None:
            await turn_context.send_activity("Survey time")

        await running.adapter.continue_conversation(reference, survey, bot_app_id="")
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=BOT_ID),
            members=[ChannelAccount(id="29:2stranger")],
            channel_data={"tenant": {"id": TENANT_ID}},
            tenant_id=TENANT_ID,
        )
        await running.adapter.create_conversation(
            "", survey, parameters, channel_id="msteams", service_url=connector.base_url
        )

    # A continued conversation "replies" to a made-up activity id (a uuid the SDK invents):
    # assert on what reached the conversation, not on the operation.
    continued, created = connector.calls(REPLY)
    assert continued.conversation_id == PERSONAL_CONVERSATION_ID
    [create] = connector.calls(CREATE)
    assert create.body is not None
    assert create.body["channelData"] == {"tenant": {"id": TENANT_ID}}
    assert create.body["members"] == [{"id": "29:2stranger"}]
    assert create.body["tenantID"] == TENANT_ID  # the SDK's spelling of tenantId again
    assert create.answer == {"id": "a:proactive-1", "serviceUrl": connector.base_url}
    assert created.conversation_id == "a:proactive-1"
    assert connector.texts(PERSONAL_CONVERSATION_ID) == ["Survey time"]
    assert connector.texts("a:proactive-1") == ["Survey time"]
    assert connector.texts() == ["Survey time", "Survey time"]


async def test_connector_operations_and_encoded_ids(connector: FakeConnector) -> None:
    client = ConnectorClient(MicrosoftAppCredentials.empty(), base_url=connector.base_url)
    thread = "19:abc@thread.tacv2;messageid=1700000000000"
    odd = "a:1x/y%41=+ &q"  # "/", a literal "%41", "+", space: all must survive the round trip
    message = Activity(type=ActivityTypes.message, text="hello")

    sent = await client.conversations.send_to_conversation(thread, message)
    await client.conversations.reply_to_activity(odd, "1:abc/def", message)
    await client.conversations.update_activity(thread, sent.id, message)
    await client.conversations.delete_activity(thread, sent.id)
    members = await client.conversations.get_conversation_members(thread)
    member = await client.conversations.get_conversation_member(thread, USER_AAD_OBJECT_ID)
    paged = await client.conversations.get_conversation_paged_members(thread, page_size=10)

    assert [(call.operation, call.conversation_id, call.activity_id) for call in connector.calls()][
        :4
    ] == [
        (SEND, thread, None),
        (REPLY, odd, "1:abc/def"),
        (UPDATE, thread, sent.id),
        (DELETE, thread, sent.id),
    ]
    assert sent.id == "1700000000001"
    assert [m.id for m in members] == [USER_ID]
    # The plain ConnectorClient deserialises a ChannelAccount; TeamsInfo.get_member gives the
    # TeamsChannelAccount (email, userPrincipalName, ...).
    assert (member.id, member.name, member.aad_object_id) == (
        USER_ID,
        USER_NAME,
        USER_AAD_OBJECT_ID,
    )
    assert [m.id for m in paged.members] == [USER_ID]
    assert connector.last(PAGED_MEMBERS).query["pageSize"] == "10"

    with pytest.raises(ErrorResponseException) as missing:
        await client.conversations.get_conversation_member(thread, "29:nobody")
    assert missing.value.response.status_code == 404
    assert missing.value.error.error.code == "MemberNotFoundInConversation"

    # Teams answers 202 with no body when a message has both text and attachments: no id back.
    connector.respond(SEND, 202)
    assert await client.conversations.send_to_conversation(thread, message) is None


async def test_a_file_is_offered_only_in_a_personal_chat(connector: FakeConnector) -> None:
    client = ConnectorClient(MicrosoftAppCredentials.empty(), base_url=connector.base_url)
    offer = report_consent_activity("report.pdf", 1234, "Your report")

    sent = await client.conversations.send_to_conversation(PERSONAL_CONVERSATION_ID, offer)
    assert sent.id
    for elsewhere in (GROUP_CHAT_ID, f"{TEAM_ID};messageid=1700000000000"):
        with pytest.raises(ErrorResponseException) as refused:
            await client.conversations.send_to_conversation(elsewhere, offer)
        assert refused.value.response.status_code == 400
    nameless = report_consent_activity("", 1234, "Your report")
    with pytest.raises(ErrorResponseException):
        await client.conversations.send_to_conversation(PERSONAL_CONVERSATION_ID, nameless)


async def test_team_details_need_a_thread(connector: FakeConnector) -> None:
    """TeamsInfo.get_team_details/get_team_channels call the *synchronous* TeamsConnectorClient
    (requests) inside async code. That blocks the event loop: against a server in the same loop
    (this fake) it deadlocks until msrest's 100 s timeout, and in production it stalls every
    other request meanwhile. Call it through asyncio.to_thread, as here."""
    client = TeamsConnectorClient(MicrosoftAppCredentials.empty(), connector.base_url)
    details = await asyncio.to_thread(client.teams.get_team_details, TEAM_ID)
    assert details.id == TEAM_ID
    assert details.aad_group_id
    assert connector.last(TEAM_DETAILS).conversation_id == TEAM_ID


async def test_unknown_routes_are_recorded(connector: FakeConnector) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{connector.base_url}/v3/attachments/abc/views/original") as response,
    ):
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "NotFound"
    [call] = connector.calls(UNKNOWN)
    assert (call.method, call.path, call.status) == (
        "GET",
        "/v3/attachments/abc/views/original",
        404,
    )


async def test_wait_for_times_out_listing_what_arrived(connector: FakeConnector) -> None:
    client = ConnectorClient(MicrosoftAppCredentials.empty(), base_url=connector.base_url)
    await client.conversations.send_to_conversation(
        PERSONAL_CONVERSATION_ID, Activity(type=ActivityTypes.message, text="only this")
    )
    with pytest.raises(AssertionError, match=r"(?s)expected 1 'reply_to_activity'.*only this"):
        await connector.wait_for(REPLY, timeout=0.05)
    with pytest.raises(ValueError, match="unknown operation"):
        connector.respond("send", 500)


def test_fixtures_agree_with_the_builders() -> None:
    """Builders override only what they are told to; everything else is the recorded shape."""
    member = load_fixture("conversation_member")
    assert (member["id"], member["name"], member["aadObjectId"]) == (
        USER_ID,
        USER_NAME,
        USER_AAD_OBJECT_ID,
    )
    for name in ("message_personal", "message_channel_mention", "message_group_chat_mention"):
        fixture = load_fixture(name)
        assert fixture["channelId"] == "msteams"
        assert fixture["recipient"]["id"] == BOT_ID
        assert fixture["channelData"]["tenant"]["id"] == TENANT_ID
        assert fixture["from"]["id"] == USER_ID


# Authentication: what the SDK does with tokens, and when it goes to the network ----------------


async def test_configured_bot_refuses_a_request_without_a_token(
    serve: Serve, connector: FakeConnector, network: Network
) -> None:
    async with serve(CONFIGURED) as running:
        status, _, _ = await running.teams.personal_message("hi")

    assert status == 401
    assert running.bot.received == []
    assert connector.calls() == []
    assert network.attempts == []


async def test_garbage_token_is_a_500_from_the_sdk_unless_the_endpoint_maps_it(
    serve: Serve, connector: FakeConnector
) -> None:
    """`Bearer garbage` fails PyJWT's structural parse (jwt.DecodeError) before any key fetch,
    so there is no network access, but CloudAdapter.process only maps PermissionError to 401:
    the DecodeError escapes and aiohttp answers 500. The same in emulator mode: a header, once
    present, is always validated. An endpoint that catches jwt.PyJWTError answers 401."""
    for configuration in (CONFIGURED, EMULATOR):
        async with serve(configuration) as running:
            status, _, _ = await running.teams.personal_message("hi", authorization="garbage")
        assert status == 500
        assert running.bot.received == []
    async with serve(CONFIGURED, guarded=True) as running:
        status, _, elapsed = await running.teams.personal_message(
            "hi", authorization="Bearer garbage"
        )
    assert status == 401
    assert elapsed < 1.0
    assert connector.calls() == []


async def test_token_from_a_foreign_issuer_is_refused_without_fetching_keys(
    serve: Serve,
) -> None:
    forged = jwt.encode(
        {"iss": "https://issuer.example", "aud": APP_ID, "serviceurl": "http://x"},
        "a-secret-of-at-least-thirty-two-bytes!",
        algorithm="HS256",
    )
    async with serve(CONFIGURED) as running:
        status, _, _ = await running.teams.personal_message("hi", authorization=forged)
    assert status == 401  # the issuer is checked on the unverified token, before any fetch


async def test_bot_framework_issued_token_makes_the_sdk_fetch_keys(
    serve: Serve, network: Network
) -> None:
    """A token naming the Bot Framework as issuer sends the SDK to
    login.botframework.com/v1/.well-known/openidconfiguration with a synchronous requests.get
    (no timeout) on the event loop. Offline it fails at once here (500); on a network that
    drops packets it would block the whole server. A failed fetch is not cached: every such
    request tries again. Tests avoid it with ChannelTokenSigner.trusted() (next tests)."""
    forged = jwt.encode(
        {"iss": "https://api.botframework.com", "aud": APP_ID},
        "a-secret-of-at-least-thirty-two-bytes!",
        algorithm="HS256",
        headers={"kid": "some-key"},
    )
    async with serve(CONFIGURED, guarded=True) as running:
        status, _, _ = await running.teams.personal_message("hi", authorization=forged)
    assert status == 500  # requests.ConnectionError, not a PyJWTError
    assert network.attempts == ["login.botframework.com"]
    network.attempts.clear()


class _FixedTokenCredentials(MicrosoftAppCredentials):  # type: ignore[misc]
    def get_access_token(self, force_refresh: bool = False) -> str:
        return CONNECTOR_TOKEN


class OfflineCredentialsFactory(PasswordServiceClientCredentialFactory):  # type: ignore[misc]
    """Outbound credentials that never ask login.microsoftonline.com (MSAL) for a token."""

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> MicrosoftAppCredentials:
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("Invalid app_id")
        return _FixedTokenCredentials(app_id, self.password, oauth_scope=oauth_scope)


async def test_production_auth_offline_with_a_locally_signed_token(
    serve: Serve, connector: FakeConnector
) -> None:
    signer = ChannelTokenSigner(APP_ID)
    credentials = OfflineCredentialsFactory(APP_ID, APP_PASSWORD)
    with signer.trusted():
        async with serve(CONFIGURED, guarded=True, credentials=credentials) as running:
            teams = running.teams
            ok = await teams.personal_message("hi", authorization=signer.token(connector.base_url))
            other_bot = await teams.personal_message(
                "hi", authorization=signer.token(connector.base_url, audience="another-app")
            )
            wrong_url = await teams.personal_message(
                "hi", authorization=signer.token("https://smba.trafficmanager.net/emea/")
            )
            expired = await teams.personal_message(
                "hi", authorization=signer.token(connector.base_url, lifetime=-600)
            )
            unknown_key = await teams.personal_message(
                "hi", authorization=ChannelTokenSigner(APP_ID).token(connector.base_url)
            )

    assert ok.status == 201
    [reply] = connector.calls(REPLY)
    assert reply.authorization == f"Bearer {CONNECTOR_TOKEN}"  # the bot signs its replies
    assert reply.body is not None
    assert reply.body["text"] == "echo: hi"
    assert other_bot.status == 401  # audience is not this bot's app id: PermissionError
    assert wrong_url.status == 401  # serviceurl claim differs from the activity's serviceUrl
    assert expired.status == 401  # jwt.ExpiredSignatureError, mapped by the guarded endpoint
    assert unknown_key.status == 401  # another key, same kid: InvalidSignatureError
    assert len(running.bot.received) == 1


# Rate limits, rosters and one-to-one chats: what a fan-out of reminders meets ------------------


@pytest.fixture
async def clocked() -> AsyncIterator[tuple[FakeConnector, ManualClock]]:
    """A connector on a clock the test moves by hand, to play long windows without waiting."""
    clock = ManualClock()
    async with FakeConnector(clock=clock) as running:
        yield running, clock


def connector_client(connector: FakeConnector) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials.empty(), base_url=connector.base_url)


def message(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text)


async def throttled(call: Awaitable[Any]) -> ErrorResponseException:
    """The 429 a connector call raises (it must raise one)."""
    with pytest.raises(ErrorResponseException) as raised:
        await call
    assert raised.value.response.status_code == 429
    return raised.value


async def test_connector_limits_are_off_by_default(connector: FakeConnector) -> None:
    client = connector_client(connector)

    sent = await asyncio.gather(
        *(
            client.conversations.send_to_conversation(GROUP_CHAT_ID, message(f"{n}"))
            for n in range(30)
        )
    )

    assert all(activity.id for activity in sent)
    assert connector.rejected() == []
    assert connector.sent_counts() == {GROUP_CHAT_ID: 30}


async def test_over_a_limit_the_connector_answers_429_with_retry_after(
    clocked: tuple[FakeConnector, ManualClock],
) -> None:
    connector, clock = clocked
    connector.limit(2, 1.0)  # per conversation, on send_to_conversation and reply_to_activity
    client = connector_client(connector)
    await client.conversations.send_to_conversation(GROUP_CHAT_ID, message("1"))
    await client.conversations.reply_to_activity(GROUP_CHAT_ID, "1700000000001", message("2"))

    refused = await throttled(
        client.conversations.send_to_conversation(GROUP_CHAT_ID, message("3"))
    )

    assert refused.response.headers["Retry-After"] == "1"
    assert refused.error.error.code == "Throttled"
    [call] = connector.rejected(SEND)
    assert (call.rate_limited, call.status, call.conversation_id) == (True, 429, GROUP_CHAT_ID)
    assert connector.texts(GROUP_CHAT_ID) == ["1", "2"]  # a refused message was not delivered
    # Another conversation has its own window; other operations are not limited.
    await client.conversations.send_to_conversation(PERSONAL_CONVERSATION_ID, message("elsewhere"))
    await client.conversations.get_conversation_members(GROUP_CHAT_ID)

    clock.advance(1.0)
    await client.conversations.send_to_conversation(GROUP_CHAT_ID, message("3"))
    assert connector.texts(GROUP_CHAT_ID) == ["1", "2", "3"]
    assert [delivery.at for delivery in connector.deliveries(GROUP_CHAT_ID)] == [
        1000.0,
        1000.0,
        1001.0,
    ]
    with pytest.raises(ValueError, match="unknown operations"):
        connector.limit(1, 1.0, operations=["send"])


async def test_limit_like_teams_plays_every_documented_window(
    clocked: tuple[FakeConnector, ManualClock],
) -> None:
    """A sender that sends as fast as it is let, waiting each Retry-After: in no window does
    one conversation get more than 7 a second, 8 in 2 s, 60 in 30 s."""
    connector, clock = clocked
    connector.limit_like_teams()
    client = connector_client(connector)

    while len(connector.sent()) < 70:
        try:
            await client.conversations.send_to_conversation(GROUP_CHAT_ID, message("reminder"))
        except ErrorResponseException as refused:
            if refused.response.status_code != 429:
                raise
            clock.advance(int(refused.response.headers["Retry-After"]))

    times = [delivery.at - 1000.0 for delivery in connector.deliveries(GROUP_CHAT_ID)]
    for calls, per_seconds in ((7, 1.0), (8, 2.0), (60, 30.0)):
        busiest = max(sum(start <= at < start + per_seconds for at in times) for start in times)
        assert busiest == calls, (calls, per_seconds)
    assert times[:8] == [0.0] * 7 + [1.0]  # a burst of 7, the 8th a second later
    assert times[60] >= 30.0  # the 61st waited for the 30 s window
    assert connector.rejected()


async def test_the_tenant_limit_counts_across_conversations(
    clocked: tuple[FakeConnector, ManualClock],
) -> None:
    connector, _ = clocked
    connector.limit_like_teams(speedup=10)  # 50 per 0.1 s across the tenant
    client = connector_client(connector)
    chats = [f"a:chat-{n}" for n in range(60)]

    results = await asyncio.gather(
        *(client.conversations.send_to_conversation(chat, message("hi")) for chat in chats),
        return_exceptions=True,
    )

    refused = [result for result in results if isinstance(result, ErrorResponseException)]
    assert len(refused) == 10
    assert {error.response.headers["Retry-After"] for error in refused} == {"1"}
    assert len(connector.sent_counts()) == 50
    assert set(connector.sent_counts().values()) == {1}


async def test_a_client_that_honours_retry_after_gets_every_message_through(
    connector: FakeConnector,
) -> None:
    """On the real clock: the SDK does not retry a 429 itself, so the bot must (here, a loop
    that waits the Retry-After)."""
    connector.limit(3, 1.0)
    client = connector_client(connector)

    for n in range(5):
        while True:
            try:
                await client.conversations.send_to_conversation(GROUP_CHAT_ID, message(f"{n}"))
                break
            except ErrorResponseException as refused:
                if refused.response.status_code != 429:
                    raise
                await asyncio.sleep(int(refused.response.headers["Retry-After"]))

    assert connector.texts(GROUP_CHAT_ID) == ["0", "1", "2", "3", "4"]
    assert connector.rejected(SEND)
    times = [delivery.at for delivery in connector.deliveries(GROUP_CHAT_ID)]
    assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[3:], strict=False))


async def test_paged_members_give_a_channels_roster_once(connector: FakeConnector) -> None:
    roster = make_members(2000)
    connector.set_members(roster, TEAM_ID)
    client = connector_client(connector)
    thread = f"{TEAM_ID};messageid=1700000000000"  # a channel thread: the team's roster

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = await client.conversations.get_conversation_paged_members(
            thread, page_size=500, continuation_token=token
        )
        seen += [member.id for member in page.members]
        pages += 1
        token = page.continuation_token
        if token is None:
            break

    assert seen == [member["id"] for member in roster]
    assert pages == 4
    # The channel's own id (no thread suffix) has the same roster; 200 a page unless asked.
    first = await client.conversations.get_conversation_paged_members(TEAM_ID)
    assert [member.id for member in first.members] == seen[:200]
    assert connector.calls(PAGED_MEMBERS)[-1].query == {}
    async with aiohttp.ClientSession() as session:
        url = f"{connector.base_url}/v3/conversations/{TEAM_ID}/pagedmembers"
        async with session.get(url, params={"pageSize": "10", "continuationToken": "1990"}) as last:
            body = await last.json()
        async with session.get(url, params={"continuationToken": "nonsense"}) as bad:
            assert bad.status == 400
    assert "continuationToken" not in body  # the last page has no token at all
    assert [member["id"] for member in body["members"]] == seen[1990:]
    assert body["members"][0] == {**roster[1990], "tenantId": TENANT_ID}
    # Other conversations keep the fixture's roster.
    [ada] = (await client.conversations.get_conversation_paged_members(GROUP_CHAT_ID)).members
    assert ada.id == USER_ID


async def test_a_one_to_one_chat_is_created_then_receives_activities(
    connector: FakeConnector,
) -> None:
    client = connector_client(connector)
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=BOT_ID),
        members=[ChannelAccount(id="29:member-7")],
        channel_data={"tenant": {"id": TENANT_ID}},
    )

    created = await client.conversations.create_conversation(parameters)
    await client.conversations.send_to_conversation(created.id, message("Your pulse is open"))
    again = await client.conversations.create_conversation(parameters)
    await client.conversations.send_to_conversation(again.id, message("Reminder"))

    assert created.id.startswith("a:")
    assert again.id == created.id  # Teams keeps one chat per person and bot
    [create, _] = connector.calls(CREATE)
    assert create.body is not None
    assert create.body["members"] == [{"id": "29:member-7"}]
    assert connector.sent_counts() == {created.id: 2}
    first, second = connector.deliveries(created.id)
    assert (first.activity["text"], second.activity["text"]) == ("Your pulse is open", "Reminder")
    assert first.operation == SEND
    assert first.activity_id
    assert first.at <= second.at
