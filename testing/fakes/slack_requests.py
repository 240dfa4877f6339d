"""Slack's side of the conversation: recorded-shape payloads, signed and POSTed to the bot.

Every request is signed exactly as Slack signs it, over the exact bytes sent, so the bot's real
signature check runs in every scenario test instead of being switched off. Payloads start from
the recorded shapes in `testing/fixtures/slack/` and override only what a test names, so listeners
see the fields Slack really sends (and tests cannot quietly invent a simpler world).

    slack = SlackRequests("signing-secret", bot_url, api=api)
    reply = await slack.slash_command("start")
    assert reply.status == 200 and reply.elapsed < 3
    await slack.event(slack.dm_message("hello", USER_ID))

The pure builders (`*_payload`, `event_envelope`, the inner-event helpers) are module functions
too, for transports that are not HTTP (Socket Mode envelopes carry the same payloads).
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode

import aiohttp
from multidict import CIMultiDictProxy
from slack_sdk.signature import SignatureVerifier

from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DM_CHANNEL,
    FIXTURES_DIR,
    GENERAL_CHANNEL,
    TEAM_ID,
    USER_ID,
    VERIFICATION_TOKEN,
)

Payload = dict[str, Any]
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
# Where response_url points when no FakeSlackApi was given: the discard port on loopback, so a
# stray respond() fails fast and locally instead of reaching hooks.slack.com.
UNROUTED_RESPONSE_URL = "http://127.0.0.1:9/response_url/unset"
REQUEST_TIMEOUT_SECONDS = 10.0


class SendOptions(TypedDict, total=False):
    """How to deliver a request, beyond its payload.

    timestamp: X-Slack-Request-Timestamp (default now); an old one tests the replay check.
    signature: X-Slack-Signature to send instead of the correct one (a forgery).
    retry_num, retry_reason: Slack's redelivery headers (reason defaults to "http_timeout").
    headers: any extra headers, applied last.
    """

    timestamp: int | str
    signature: str
    retry_num: int
    retry_reason: str
    headers: Mapping[str, str]


@dataclass(frozen=True)
class EndpointResponse:
    """What the bot's endpoint answered, how long it took, and what was sent to it."""

    status: int
    body: str
    headers: CIMultiDictProxy[str]
    elapsed: float  # seconds from sending the request to reading the whole answer
    sent: bytes  # the exact body that was signed and posted
    payload: Payload  # the payload before encoding (form fields or JSON object)

    def json(self) -> Any:
        return json.loads(self.body)


# Fixtures and identifiers --------------------------------------------------------------------


@functools.cache
def _fixture_text(name: str) -> str:
    return (FIXTURES_DIR / f"{name}.json").read_text(encoding="utf-8")


def load_fixture(name: str) -> Payload:
    """A fresh copy of `testing/fixtures/slack/<name>.json`, safe to modify."""
    payload: Payload = json.loads(_fixture_text(name))
    return payload


class _SlackClock:
    """Slack-style timestamps ("1700000000.000100") from the wall clock, strictly increasing,
    so messages built in quick succession still sort and never share a ts."""

    def __init__(self) -> None:
        self._last = 0

    def ts(self) -> str:
        micros = max(time.time_ns() // 1000, self._last + 1)
        self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


_clock = _SlackClock()


def new_ts() -> str:
    return _clock.ts()


def new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def new_trigger_id() -> str:
    return f"{int(time.time())}.{TEAM_ID[1:]}.{secrets.token_hex(16)}"


def _channel_name(channel_id: str) -> str:
    if channel_id.startswith("D"):
        return "directmessage"
    return "general" if channel_id == GENERAL_CHANNEL else channel_id.lower()


def _user(payload: Payload, user_id: str, team_id: str) -> None:
    payload["user"].update({"id": user_id, "team_id": team_id})
    payload["team"]["id"] = team_id


def _elements(block: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from block.get("elements", [])
    if isinstance(block.get("accessory"), dict):
        yield block["accessory"]


def _action(
    blocks: list[dict[str, Any]], action_id: str, value: str, block_id: str | None
) -> dict[str, Any]:
    """The `actions` entry Slack sends for a click on `action_id` in `blocks`.

    Blocks given by the test must contain the element (Slack cannot send a click on a button that
    is not there). Fixture blocks are rewritten so their button is the one clicked.
    """
    for block in blocks:
        for element in _elements(block):
            if element.get("action_id") == action_id:
                return {
                    "action_id": action_id,
                    "block_id": block_id or block.get("block_id", "actions"),
                    "text": element.get("text", {"type": "plain_text", "text": value}),
                    "value": value,
                    "type": element.get("type", "button"),
                    "action_ts": new_ts(),
                }
    raise ValueError(f"no element with action_id {action_id!r} in the blocks: {blocks!r}")


def _point_fixture_button(blocks: list[dict[str, Any]], action_id: str, value: str) -> None:
    for block in blocks:
        if block.get("type") == "actions":
            block["elements"][0].update({"action_id": action_id, "value": value})
            return


# Interaction payloads ------------------------------------------------------------------------


def slash_command_payload(
    text: str,
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    channel_id: str = GENERAL_CHANNEL,
    command: str = "/ai-owner",
    response_url: str = UNROUTED_RESPONSE_URL,
    trigger_id: str | None = None,
) -> dict[str, str]:
    """The form fields of a slash command, as Slack posts them."""
    fields: dict[str, str] = load_fixture("slash_command")
    fields.update(
        team_id=team_id,
        channel_id=channel_id,
        channel_name=_channel_name(channel_id),
        user_id=user_id,
        command=command,
        text=text,
        response_url=response_url,
        trigger_id=trigger_id or new_trigger_id(),
    )
    return fields


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    channel_id: str = DM_CHANNEL,
    message_ts: str | None = None,
    message_blocks: Sequence[Mapping[str, Any]] | None = None,
    response_url: str = UNROUTED_RESPONSE_URL,
    trigger_id: str | None = None,
    container_type: str = "message",
    block_id: str | None = None,
    message_text: str | None = None,
    state_values: Mapping[str, Any] | None = None,
) -> Payload:
    """A button click in a message the bot posted.

    `container_type="ephemeral"` gives what Slack sends for an ephemeral message: the container
    says `is_ephemeral: true` and there is no `message` (Slack does not keep ephemeral messages).
    """
    if container_type not in ("message", "ephemeral"):
        raise ValueError("container_type is 'message' or 'ephemeral'; use home_actions_payload")
    payload = load_fixture("block_actions")
    _user(payload, user_id, team_id)
    message_ts = message_ts or new_ts()
    message = payload["message"]
    if message_blocks is None:
        _point_fixture_button(message["blocks"], action_id, value)
    else:
        message["blocks"] = json.loads(json.dumps(list(message_blocks)))
    if message_text is not None:
        message["text"] = message_text
    message.update(ts=message_ts, team=team_id, user=BOT_USER_ID, bot_id=BOT_ID)
    payload.update(
        container={
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": container_type == "ephemeral",
        },
        channel={"id": channel_id, "name": _channel_name(channel_id)},
        actions=[_action(message["blocks"], action_id, value, block_id)],
        trigger_id=trigger_id or new_trigger_id(),
        response_url=response_url,
        state={"values": dict(state_values or {})},
    )
    if container_type == "ephemeral":
        del payload["message"]
    return payload


def home_actions_payload(
    action_id: str,
    value: str,
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    view_id: str = "V0HOME",
    view_blocks: Sequence[Mapping[str, Any]] | None = None,
    block_id: str | None = None,
    private_metadata: str = "",
    trigger_id: str | None = None,
) -> Payload:
    """A button click on the App Home tab: a `view` container, and no channel, message or
    response_url (a listener must answer through the Web API, not respond())."""
    payload = load_fixture("block_actions_home")
    _user(payload, user_id, team_id)
    view = payload["view"]
    if view_blocks is None:
        _point_fixture_button(view["blocks"], action_id, value)
    else:
        view["blocks"] = json.loads(json.dumps(list(view_blocks)))
    view.update(
        id=view_id,
        root_view_id=view_id,
        team_id=team_id,
        app_installed_team_id=team_id,
        private_metadata=private_metadata,
    )
    payload.update(
        container={"type": "view", "view_id": view_id},
        actions=[_action(view["blocks"], action_id, value, block_id)],
        trigger_id=trigger_id or new_trigger_id(),
    )
    return payload


def view_submission_payload(
    callback_id: str,
    values: Mapping[str, Any],
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    private_metadata: str = "",
    view_id: str = "V0001",
    blocks: Sequence[Mapping[str, Any]] | None = None,
    trigger_id: str | None = None,
) -> Payload:
    """A modal submitted; `values` is `view.state.values`: {block_id: {action_id: {...}}}."""
    payload = load_fixture("view_submission")
    _user(payload, user_id, team_id)
    view = payload["view"]
    view.update(
        id=view_id,
        root_view_id=view_id,
        team_id=team_id,
        app_installed_team_id=team_id,
        callback_id=callback_id,
        private_metadata=private_metadata,
        state={"values": json.loads(json.dumps(dict(values)))},
    )
    if blocks is not None:
        view["blocks"] = json.loads(json.dumps(list(blocks)))
    payload["trigger_id"] = trigger_id or new_trigger_id()
    return payload


# Events --------------------------------------------------------------------------------------

_ENVELOPE_FIXTURES = {
    "message": "event_message_im",
    "app_mention": "event_app_mention",
    "app_home_opened": "event_app_home_opened",
    "app_uninstalled": "event_app_uninstalled",
    "tokens_revoked": "event_tokens_revoked",
}


def event_envelope(
    event: Mapping[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> Payload:
    """The Events API `event_callback` around `event`. Reuse an `event_id` to model a redelivery:
    Slack retries with the same id, which is what deduplication keys on."""
    fixture = _ENVELOPE_FIXTURES.get(str(event.get("type")), "event_message_im")
    payload = load_fixture(fixture)
    payload.update(
        team_id=team_id,
        event=json.loads(json.dumps(dict(event))),
        event_id=event_id or new_event_id(),
        event_time=event_time if event_time is not None else int(time.time()),
    )
    if "context_team_id" in payload:
        payload["context_team_id"] = team_id
    for authorization in payload["authorizations"]:
        authorization["team_id"] = team_id
    if "event_context" in payload:
        context = {"et": event.get("type"), "tid": team_id, "aid": APP_ID}
        if "channel" in event:
            context["cid"] = event["channel"]
        encoded = base64.urlsafe_b64encode(json.dumps(context, separators=(",", ":")).encode())
        payload["event_context"] = "4-" + encoded.decode().rstrip("=")
    return payload


def _rich_text(*elements: dict[str, Any]) -> list[dict[str, Any]]:
    section = {"type": "rich_text_section", "elements": list(elements)}
    return [{"type": "rich_text", "block_id": secrets.token_hex(2), "elements": [section]}]


def dm_message(
    text: str,
    user_id: str = USER_ID,
    channel: str = DM_CHANNEL,
    ts: str | None = None,
    *,
    team_id: str = TEAM_ID,
    blocks: bool = True,
    thread_ts: str | None = None,
) -> Payload:
    """A person's direct message to the bot (message.im). `blocks=False` drops the rich_text
    blocks, as for messages from older clients and integrations."""
    event: Payload = load_fixture("event_message_im")["event"]
    ts = ts or new_ts()
    event.update(
        text=text,
        user=user_id,
        channel=channel,
        ts=ts,
        event_ts=ts,
        team=team_id,
        client_msg_id=_client_msg_id(),
        blocks=_rich_text({"type": "text", "text": text}),
    )
    if not blocks:
        del event["blocks"]
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_mention(
    text: str,
    user_id: str = USER_ID,
    channel: str = GENERAL_CHANNEL,
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    team_id: str = TEAM_ID,
) -> Payload:
    """A mention of the bot in a channel. Slack's text always contains the mention, so
    `<@U0BOT> ` is put in front of `text` unless it already mentions the bot."""
    event: Payload = load_fixture("event_app_mention")["event"]
    ts = ts or new_ts()
    mention = f"<@{BOT_USER_ID}>"
    full_text = text if mention in text else f"{mention} {text}"
    rest = full_text.replace(mention, "", 1)
    event.update(
        text=full_text,
        user=user_id,
        channel=channel,
        ts=ts,
        event_ts=ts,
        team=team_id,
        client_msg_id=_client_msg_id(),
        blocks=_rich_text({"type": "user", "user_id": BOT_USER_ID}, {"type": "text", "text": rest}),
    )
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened(
    user_id: str = USER_ID,
    tab: str = "home",
    *,
    channel: str = DM_CHANNEL,
    view: Mapping[str, Any] | None = None,
) -> Payload:
    """A person opened the App Home; Slack adds `view` only once a home view was published."""
    event: Payload = load_fixture("event_app_home_opened")["event"]
    event.update(user=user_id, tab=tab, channel=channel, event_ts=new_ts())
    if view is not None:
        event["view"] = json.loads(json.dumps(dict(view)))
    return event


def app_uninstalled() -> Payload:
    """The app was removed from the workspace (the envelope's team_id says which)."""
    event: Payload = load_fixture("event_app_uninstalled")["event"]
    return event


def tokens_revoked(bot_user_ids: Sequence[str], oauth_user_ids: Sequence[str] = ()) -> Payload:
    """Tokens were revoked: `bot` lists bot user ids, `oauth` the users whose tokens went."""
    event: Payload = load_fixture("event_tokens_revoked")["event"]
    event["tokens"] = {"oauth": list(oauth_user_ids), "bot": list(bot_user_ids)}
    return event


def bot_message(
    text: str = "Beep boop.",
    *,
    bot_id: str = "B0OTHER",
    user_id: str | None = None,
    channel: str = DM_CHANNEL,
    ts: str | None = None,
    subtype: str | None = "bot_message",
) -> Payload:
    """A message written by a bot, which the bot must ignore (or it would talk to itself or to
    another bot forever). The default is the classic `subtype: bot_message` shape; with
    `subtype=None, bot_id=BOT_ID, user_id=BOT_USER_ID` it is the echo of the bot's own post."""
    event = dm_message(text, user_id or "", channel, ts)
    event.pop("client_msg_id")
    event.update(bot_id=bot_id, app_id=APP_ID if bot_id == BOT_ID else "A0OTHER")
    if user_id is None:
        del event["user"]
        event["username"] = "Other Bot"
    if subtype is not None:
        event["subtype"] = subtype
    return event


def _client_msg_id() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:]}"


# Sending -------------------------------------------------------------------------------------


class SlackRequests:
    """Sends signed Slack requests to the bot at `base` (POST `base + path`).

    With `api`, every payload's response_url is a fresh one on that FakeSlackApi, so a
    listener's respond() lands in `api.calls("response_url")`.
    """

    dm_message = staticmethod(dm_message)
    app_mention = staticmethod(app_mention)
    app_home_opened = staticmethod(app_home_opened)
    app_uninstalled = staticmethod(app_uninstalled)
    tokens_revoked = staticmethod(tokens_revoked)
    bot_message = staticmethod(bot_message)

    def __init__(
        self,
        signing_secret: str,
        base: str,
        *,
        api: FakeSlackApi | None = None,
        path: str = "/slack/events",
    ) -> None:
        self.url = base.rstrip("/") + path
        self.api = api
        self._verifier = SignatureVerifier(signing_secret)
        self._response_urls = 0

    def sign(self, body: bytes, timestamp: str) -> str:
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None  # only None for a None body
        return signature

    def new_response_url(self, kind: str) -> str:
        if self.api is None:
            return UNROUTED_RESPONSE_URL
        self._response_urls += 1
        return self.api.response_url(f"{kind}-{self._response_urls}")

    async def slash_command(
        self,
        text: str,
        *,
        user_id: str = USER_ID,
        team_id: str = TEAM_ID,
        channel_id: str = GENERAL_CHANNEL,
        command: str = "/ai-owner",
        response_url: str | None = None,
        trigger_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> EndpointResponse:
        fields = slash_command_payload(
            text,
            user_id=user_id,
            team_id=team_id,
            channel_id=channel_id,
            command=command,
            response_url=response_url or self.new_response_url("command"),
            trigger_id=trigger_id,
        )
        return await self.send_form(fields, **options)

    async def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = USER_ID,
        team_id: str = TEAM_ID,
        channel_id: str = DM_CHANNEL,
        message_ts: str | None = None,
        message_blocks: Sequence[Mapping[str, Any]] | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
        container_type: str = "message",
        block_id: str | None = None,
        message_text: str | None = None,
        state_values: Mapping[str, Any] | None = None,
        **options: Unpack[SendOptions],
    ) -> EndpointResponse:
        payload = block_actions_payload(
            action_id,
            value,
            user_id=user_id,
            team_id=team_id,
            channel_id=channel_id,
            message_ts=message_ts,
            message_blocks=message_blocks,
            response_url=response_url or self.new_response_url("action"),
            trigger_id=trigger_id,
            container_type=container_type,
            block_id=block_id,
            message_text=message_text,
            state_values=state_values,
        )
        return await self.send_interaction(payload, **options)

    async def home_action(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = USER_ID,
        team_id: str = TEAM_ID,
        view_id: str = "V0HOME",
        view_blocks: Sequence[Mapping[str, Any]] | None = None,
        block_id: str | None = None,
        private_metadata: str = "",
        trigger_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> EndpointResponse:
        payload = home_actions_payload(
            action_id,
            value,
            user_id=user_id,
            team_id=team_id,
            view_id=view_id,
            view_blocks=view_blocks,
            block_id=block_id,
            private_metadata=private_metadata,
            trigger_id=trigger_id,
        )
        return await self.send_interaction(payload, **options)

    async def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Any],
        *,
        user_id: str = USER_ID,
        team_id: str = TEAM_ID,
        private_metadata: str = "",
        view_id: str = "V0001",
        blocks: Sequence[Mapping[str, Any]] | None = None,
        trigger_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> EndpointResponse:
        payload = view_submission_payload(
            callback_id,
            values,
            user_id=user_id,
            team_id=team_id,
            private_metadata=private_metadata,
            view_id=view_id,
            blocks=blocks,
            trigger_id=trigger_id,
        )
        return await self.send_interaction(payload, **options)

    async def event(
        self,
        event: Mapping[str, Any],
        *,
        team_id: str = TEAM_ID,
        event_id: str | None = None,
        event_time: int | None = None,
        **options: Unpack[SendOptions],
    ) -> EndpointResponse:
        """Deliver `event` in an event_callback; `retry_num=1` (with the first delivery's
        `event_id`) models Slack's redelivery after a slow acknowledgement."""
        payload = event_envelope(event, team_id=team_id, event_id=event_id, event_time=event_time)
        return await self.send_json(payload, **options)

    async def url_verification(
        self, challenge: str, **options: Unpack[SendOptions]
    ) -> EndpointResponse:
        """The handshake Slack makes when the events URL is saved in the app settings."""
        payload = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return await self.send_json(payload, **options)

    async def send_interaction(
        self, payload: Payload, **options: Unpack[SendOptions]
    ) -> EndpointResponse:
        """Interactions travel as a form with one field, `payload`, holding the JSON."""
        return await self.send_form({"payload": json.dumps(payload)}, parsed=payload, **options)

    async def send_form(
        self,
        fields: Mapping[str, str],
        *,
        parsed: Payload | None = None,
        **options: Unpack[SendOptions],
    ) -> EndpointResponse:
        body = urlencode(fields).encode()
        payload = parsed if parsed is not None else dict(fields)
        return await self.post(body, "application/x-www-form-urlencoded", payload, **options)

    async def send_json(self, payload: Payload, **options: Unpack[SendOptions]) -> EndpointResponse:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return await self.post(body, "application/json", payload, **options)

    async def post(
        self,
        body: bytes,
        content_type: str,
        payload: Payload | None = None,
        **options: Unpack[SendOptions],
    ) -> EndpointResponse:
        """Sign `body` (unless a forged `signature` is given) and POST it; the lowest level."""
        timestamp = str(options.get("timestamp", int(time.time())))
        headers = {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": options.get("signature") or self.sign(body, timestamp),
        }
        if "retry_num" in options:
            headers["X-Slack-Retry-Num"] = str(options["retry_num"])
            headers["X-Slack-Retry-Reason"] = options.get("retry_reason", "http_timeout")
        elif "retry_reason" in options:
            headers["X-Slack-Retry-Reason"] = options["retry_reason"]
        headers.update(options.get("headers", {}))
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        started = time.perf_counter()
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.url, data=body, headers=headers) as response,
        ):
            text = await response.text()
            return EndpointResponse(
                status=response.status,
                body=text,
                headers=response.headers,
                elapsed=time.perf_counter() - started,
                sent=body,
                payload=payload if payload is not None else {},
            )
