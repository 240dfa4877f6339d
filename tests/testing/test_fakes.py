"""The fakes against the real clients: if these pass, a failing scenario test is about the bot,
not about a fake that answers differently from Slack."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from testing.fakes.fixtures import bot_server, fake_slack_api, local_server, slack_requests
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import (
    SlackRequests,
    app_mention,
    block_actions_payload,
    dm_message,
    tokens_revoked,
)
from testing.fakes.workspace import BOT_USER_ID, DM_CHANNEL, TEAM_ID, USER_ID

SECRET = "test-signing-secret"
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "block_id": "q", "text": {"type": "mrkdwn", "text": "Who owns it?"}},
    {
        "type": "actions",
        "block_id": "answers",
        "elements": [
            {
                "type": "button",
                "action_id": "answer:owner:it",
                "text": {"type": "plain_text", "text": "IT"},
                "value": '{"q": "owner", "o": "it"}',
            }
        ],
    },
]


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with fake_slack_api() as running:
        yield running


class EchoServer:
    """Records the raw bytes and headers of each request, to check what SlackRequests sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[bytes, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((await request.read(), dict(request.headers)))
        return web.json_response({"ok": True})

    @property
    def body(self) -> bytes:
        return self.requests[-1][0]

    @property
    def headers(self) -> dict[str, str]:
        return self.requests[-1][1]


@pytest.fixture
async def echo() -> AsyncIterator[tuple[EchoServer, SlackRequests]]:
    server = EchoServer()
    app = web.Application()
    app.router.add_post("/slack/events", server.handle)
    async with local_server(app) as root_url:
        yield server, SlackRequests(SECRET, root_url)


# FakeSlackApi with slack_sdk's real client ---------------------------------------------------


async def test_web_client_calls_are_recorded_with_decoded_blocks(api: FakeSlackApi) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=api.base_url)

    auth = await client.auth_test()
    posted = await client.chat_postMessage(channel=DM_CHANNEL, text="Question 1", blocks=BLOCKS)
    opened = await client.conversations_open(users=USER_ID)
    second = await client.chat_postMessage(channel=DM_CHANNEL, text="Question 2")

    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == (TEAM_ID, BOT_USER_ID, "B0001")
    assert posted["channel"] == DM_CHANNEL
    assert posted["message"]["blocks"] == BLOCKS
    assert (posted["ts"], second["ts"]) == ("1700000000.000100", "1700000000.000200")
    assert opened["channel"]["id"] == "D0USER"
    assert [call.method for call in api.calls()] == [
        "auth.test",
        "chat.postMessage",
        "conversations.open",
        "chat.postMessage",
    ]
    post = api.calls("chat.postMessage")[0]
    assert post.token == "xoxb-test"
    assert post.params["blocks"] == BLOCKS  # a list again, not the JSON text on the wire
    assert api.last("conversations.open").params == {"users": USER_ID}


async def test_form_encoded_json_fields_and_get_queries_are_decoded(api: FakeSlackApi) -> None:
    client = api.client()
    view = {"type": "home", "blocks": BLOCKS}

    await client.api_call("views.publish", data={"user_id": USER_ID, "view": json.dumps(view)})
    info = await client.users_info(user=USER_ID)  # slack_sdk sends this one as a GET

    assert api.last("views.publish").params == {"user_id": USER_ID, "view": view}
    assert api.last("users.info").params["user"] == USER_ID
    assert info["user"]["is_admin"] is False


async def test_a_429_with_retry_after_is_retried_by_the_rate_limit_handler(
    api: FakeSlackApi,
) -> None:
    api.respond(
        "chat.postMessage",
        {"ok": False, "error": "ratelimited"},
        status=429,
        headers={"Retry-After": "1"},
    )
    client = api.client(retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])

    response = await client.chat_postMessage(channel=DM_CHANNEL, text="hi")

    first, retry = api.calls("chat.postMessage")
    assert response["ok"] is True
    assert retry.at - first.at >= 1.0


async def test_without_a_retry_handler_a_429_surfaces_as_an_error(api: FakeSlackApi) -> None:
    api.respond("chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429)

    with pytest.raises(SlackApiError) as raised:
        await api.client().chat_postMessage(channel=DM_CHANNEL, text="hi")

    assert raised.value.response.status_code == 429
    assert (await api.client().chat_postMessage(channel=DM_CHANNEL, text="hi"))["ok"]


async def test_failures_unknown_methods_and_missing_tokens_answer_like_slack(
    api: FakeSlackApi,
) -> None:
    api.fail("chat.postMessage", "not_in_channel")
    client = api.client()

    with pytest.raises(SlackApiError, match="not_in_channel"):
        await client.chat_postMessage(channel="C0PRIVATE", text="hi")
    with pytest.raises(SlackApiError, match="unknown_method"):
        await client.api_call("nonsense.method")
    with pytest.raises(SlackApiError, match="not_authed"):
        await AsyncWebClient(base_url=api.base_url).auth_test()
    with pytest.raises(SlackApiError, match="no_text"), pytest.warns(UserWarning, match="text"):
        await client.chat_postMessage(channel=DM_CHANNEL)
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postMessage(channel=DM_CHANNEL, text="x", blocks=BLOCKS[:1] * 51)


async def test_an_upload_lands_in_the_channel_and_needs_files_write(api: FakeSlackApi) -> None:
    client = api.client()
    scopes = (await client.auth_test()).headers["X-OAuth-Scopes"].split(",")
    assert "files:write" in scopes

    await client.files_upload_v2(
        channel=DM_CHANNEL, content=b"%PDF-1.7 ...", filename="r.pdf", initial_comment="Here"
    )
    [upload] = api.uploads(DM_CHANNEL)
    assert (upload.content, upload.filename, upload.initial_comment) == (
        b"%PDF-1.7 ...",
        "r.pdf",
        "Here",
    )
    assert upload.length == len(b"%PDF-1.7 ...")

    api.scopes.discard("files:write")  # an installation from before the app posted files
    with pytest.raises(SlackApiError, match="missing_scope") as raised:
        await client.files_upload_v2(channel=DM_CHANNEL, content=b"x", filename="r.pdf")
    assert raised.value.response["needed"] == "files:write"
    assert len(api.uploads()) == 1


async def test_queued_answers_apply_in_order_then_the_default_returns(api: FakeSlackApi) -> None:
    api.fail("users.info", "user_not_found")
    api.respond("users.info", {"ok": True, "user": {"id": USER_ID, "is_admin": True}}, times=2)
    client = api.client()

    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.users_info(user=USER_ID)
    admins = [(await client.users_info(user=USER_ID))["user"]["is_admin"] for _ in range(3)]

    assert admins == [True, True, False]


# slack_sdk 3.47 still builds aiohttp's deprecated BasicAuth for the client id and secret.
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_oauth_and_socket_mode_defaults(api: FakeSlackApi) -> None:
    api.socket_mode_url = "ws://127.0.0.1:1/socket"
    client = AsyncWebClient(base_url=api.base_url)

    installed = await client.oauth_v2_access(client_id="1.2", client_secret="s", code="c0de")
    link = await AsyncWebClient(token="xapp-1", base_url=api.base_url).apps_connections_open(
        app_token="xapp-1"
    )

    assert installed["access_token"] == "xoxb-installed-1"
    assert installed["team"] == {"id": "T0002", "name": "Beta"}
    assert installed["enterprise"] is None
    # slack_sdk sends the client id and secret as Basic auth; the fake exposes them as arguments.
    call = api.last("oauth.v2.access")
    assert (call.params["client_id"], call.params["code"], call.token) == ("1.2", "c0de", None)
    assert link["url"] == "ws://127.0.0.1:1/socket"


async def test_response_url_posts_are_recorded(api: FakeSlackApi) -> None:
    url = api.response_url("command-1")

    await AsyncWebhookClient(url).send(text="Working on it", response_type="ephemeral")

    [call] = await api.wait_for("response_url")
    assert call.params == {"text": "Working on it", "response_type": "ephemeral"}
    assert call.path.endswith("/command-1")


async def test_wait_for_returns_once_calls_arrive(api: FakeSlackApi) -> None:
    client = api.client()

    posts = [client.chat_postMessage(channel=DM_CHANNEL, text=str(n)) for n in range(2)]
    waiting = api.wait_for("chat.postMessage", count=2, timeout=2)
    for post in posts:
        await post
    calls = await waiting

    assert [call.params["text"] for call in calls] == ["0", "1"]


async def test_wait_for_times_out_listing_the_calls_seen(api: FakeSlackApi) -> None:
    await api.client().auth_test()
    started = time.monotonic()

    with pytest.raises(AssertionError) as raised:
        await api.wait_for("chat.postMessage", timeout=0.2)

    assert time.monotonic() - started < 2
    message = str(raised.value)
    assert "expected 1 'chat.postMessage' call(s) within 0.2s, got 0" in message
    assert "1. auth.test" in message


# SlackRequests, checked on the bytes that arrive ---------------------------------------------


async def test_slash_command_is_a_signed_form(echo: tuple[EchoServer, SlackRequests]) -> None:
    server, slack = echo

    reply = await slack.slash_command("start", response_url="http://127.0.0.1:1/r")

    headers = server.headers
    assert reply.status == 200
    assert reply.sent == server.body
    assert SignatureVerifier(SECRET).is_valid(
        body=server.body,
        timestamp=headers["X-Slack-Request-Timestamp"],
        signature=headers["X-Slack-Signature"],
    )
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = {key: values[0] for key, values in parse_qs(server.body.decode()).items()}
    assert fields["command"] == "/ai-owner"
    assert fields["text"] == "start"
    assert (fields["user_id"], fields["team_id"], fields["channel_id"]) == (
        USER_ID,
        TEAM_ID,
        "C0GENERAL",
    )
    assert fields["response_url"] == "http://127.0.0.1:1/r"
    assert {"trigger_id", "api_app_id", "is_enterprise_install", "user_name"} <= fields.keys()


async def test_block_action_payload_matches_the_clicked_button(
    echo: tuple[EchoServer, SlackRequests],
) -> None:
    server, slack = echo

    await slack.block_action(
        "answer:owner:it",
        '{"q": "owner", "o": "it"}',
        user_id=USER_ID,
        team_id=TEAM_ID,
        channel_id=DM_CHANNEL,
        message_ts="1700000000.000100",
        message_blocks=BLOCKS,
    )

    [payload_json] = parse_qs(server.body.decode())["payload"]
    payload = json.loads(payload_json)
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1700000000.000100",
        "channel_id": DM_CHANNEL,
        "is_ephemeral": False,
    }
    assert payload["message"]["blocks"] == BLOCKS
    assert payload["message"]["user"] == BOT_USER_ID
    [action] = payload["actions"]
    assert (action["action_id"], action["block_id"], action["type"]) == (
        "answer:owner:it",
        "answers",
        "button",
    )
    assert action["text"] == {"type": "plain_text", "text": "IT"}
    with pytest.raises(ValueError, match="no element with action_id"):
        block_actions_payload("answer:missing", "x", message_blocks=BLOCKS)


async def test_home_action_and_view_submission_shapes(
    echo: tuple[EchoServer, SlackRequests],
) -> None:
    server, slack = echo

    await slack.home_action("ask_question", "ask")
    home = json.loads(parse_qs(server.body.decode())["payload"][0])
    values = {"question": {"text": {"type": "plain_text_input", "value": "Who?"}}}
    await slack.view_submission("ask_question_view", values, private_metadata="m")
    submitted = json.loads(parse_qs(server.body.decode())["payload"][0])

    assert home["container"] == {"type": "view", "view_id": "V0HOME"}
    assert home["view"]["type"] == "home"
    assert {"channel", "message", "response_url"}.isdisjoint(home)
    assert home["actions"][0]["action_id"] == "ask_question"
    assert submitted["type"] == "view_submission"
    assert submitted["view"]["callback_id"] == "ask_question_view"
    assert submitted["view"]["private_metadata"] == "m"
    assert submitted["view"]["state"] == {"values": values}


async def test_events_are_signed_json_with_retry_headers(
    echo: tuple[EchoServer, SlackRequests],
) -> None:
    server, slack = echo

    first = await slack.event(slack.dm_message("hello", USER_ID))
    event_id = first.payload["event_id"]
    await slack.event(first.payload["event"], event_id=event_id, retry_num=1)

    body, headers = server.requests[-1]
    envelope = json.loads(body)
    assert headers["Content-Type"] == "application/json"
    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    assert "X-Slack-Retry-Num" not in server.requests[0][1]
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == event_id
    assert event_id.startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == BOT_USER_ID
    assert envelope["event"]["channel_type"] == "im"
    assert envelope["event"]["text"] == "hello"
    assert SignatureVerifier(SECRET).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


async def test_stale_and_forged_requests_do_not_verify(
    echo: tuple[EchoServer, SlackRequests],
) -> None:
    server, slack = echo
    verifier = SignatureVerifier(SECRET)

    await slack.url_verification("abc", timestamp=int(time.time()) - 600)
    stale_body, stale = server.requests[-1]
    await slack.url_verification("abc", signature="v0=" + "0" * 64)
    forged_body, forged = server.requests[-1]

    assert not verifier.is_valid(
        stale_body, stale["X-Slack-Request-Timestamp"], stale["X-Slack-Signature"]
    )
    assert not verifier.is_valid(
        forged_body, forged["X-Slack-Request-Timestamp"], forged["X-Slack-Signature"]
    )


def test_inner_event_builders_have_slacks_shape() -> None:
    mention = app_mention("who owns this?", USER_ID)
    dm = dm_message("hi", USER_ID, blocks=False)
    revoked = tokens_revoked([BOT_USER_ID])
    own_echo = SlackRequests.bot_message(bot_id="B0001", user_id=BOT_USER_ID, subtype=None)

    assert mention["text"] == f"<@{BOT_USER_ID}> who owns this?"
    assert mention["blocks"][0]["elements"][0]["elements"][0] == {
        "type": "user",
        "user_id": BOT_USER_ID,
    }
    assert "blocks" not in dm
    assert dm["channel_type"] == "im"
    assert revoked["tokens"] == {"oauth": [], "bot": [BOT_USER_ID]}
    assert own_echo["bot_id"] == "B0001"
    assert "subtype" not in own_echo
    assert SlackRequests.bot_message()["subtype"] == "bot_message"


# Both fakes around a real Bolt app -----------------------------------------------------------


async def test_bolt_app_round_trip(api: FakeSlackApi) -> None:
    app = AsyncApp(client=api.client("xoxb-test"), signing_secret=SECRET)

    @app.command("/ai-owner")
    async def command(ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        await respond("Starting")
        await client.chat_postMessage(channel=DM_CHANNEL, text="Question 1", blocks=BLOCKS)

    async def endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", endpoint)
    async with bot_server(web_app) as root_url:
        slack = slack_requests(SECRET, root_url, api)
        reply = await slack.slash_command("start")
        stale = await slack.slash_command("start", timestamp=int(time.time()) - 600)
        [post] = await api.wait_for("chat.postMessage")
        [responded] = await api.wait_for("response_url")

    assert reply.status == 200
    assert reply.elapsed < 3
    assert stale.status == 401
    assert post.params["blocks"] == BLOCKS
    assert responded.params["text"] == "Starting"
    assert responded.path.endswith("/command-1")
    assert api.calls("auth.test")  # single-workspace Bolt checks its token first
