"""Teams' side of the conversation: recorded-shape Bot Framework activities POSTed to the bot.

Activities start from the recorded shapes in `testing/fixtures/teams/` (see its README for where
each comes from) and override only the ids and text a test names, so handlers see the fields
Teams really sends: `channelData.tenant`, the `clientInfo` entity, `<at>` mentions with their
entity, `;messageid=` thread ids, `membersAdded` including the bot. Every activity carries the
`serviceUrl` given here, which is where the bot's adapter sends its replies: point it at a
`FakeConnector` and the replies land there.

    teams = TeamsActivities(bot_url, connector.base_url)
    status, body, elapsed = await teams.personal_message("hi")
    [reply] = await connector.wait_for("reply_to_activity")

No token is sent unless `authorization=` is given: a bot adapter without an app id (emulator
mode) accepts that; one with an app id answers 401 (see `testing/fakes/test_teams_fakes.py` for
what the SDK does with tokens, and when it reaches for the network).
"""

from __future__ import annotations

import copy
import functools
import html
import importlib
import json
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, NamedTuple

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

Activity = dict[str, Any]
ConversationType = Literal["personal", "channel", "groupChat"]

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "teams"

# The one fake tenant every fixture, builder and the FakeConnector agree on.
TENANT_ID = "tenant-1"
BOT_APP_ID = "bot-app-id"
BOT_ID = f"28:{BOT_APP_ID}"  # a bot's Teams id is "28:" + its Microsoft app id
BOT_NAME = "AI Ownership Advisor"
USER_ID = "29:1user"
USER_NAME = "Ada Lovelace"
USER_AAD_OBJECT_ID = "00000000-0000-4000-8000-00000000ada1"
PERSONAL_CONVERSATION_ID = "a:1personal"
TEAM_ID = "19:team-general@thread.tacv2"
GENERAL_CHANNEL_ID = TEAM_ID  # Teams gives a team's General channel the team's own id
GROUP_CHAT_ID = "19:groupchat-1@thread.v2"
TEAM_NAME = "Acme"

MESSAGES_PATH = "/api/messages"
REQUEST_TIMEOUT_SECONDS = 10.0
# What a Teams delivery looks like on the wire, apart from the token.
TEAMS_USER_AGENT = "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)"
LOCAL_OFFSET = timezone(timedelta(hours=1))


class Person(NamedTuple):
    """A made-up member of the fake tenant (`aad_object_id` as `aad_object_id_for` gives it)."""

    id: str
    name: str

    @property
    def aad_object_id(self) -> str:
        return aad_object_id_for(self.id)


# The fixture's user first, then colleagues for team scenarios (several respondents, an admin).
PEOPLE = (
    Person(USER_ID, USER_NAME),
    Person("29:2user", "Grace Hopper"),
    Person("29:3user", "Katherine Johnson"),
    Person("29:4user", "Alan Turing"),
    Person("29:5user", "Barbara Liskov"),
    Person("29:6user", "Edsger Dijkstra"),
)


class Delivery(NamedTuple):
    """What the bot's endpoint answered to one activity, and how long it took (seconds)."""

    status: int
    body: str
    elapsed: float


@functools.cache
def _fixture_text(name: str) -> str:
    return (FIXTURES_DIR / f"{name}.json").read_text(encoding="utf-8")


def load_fixture(name: str) -> Activity:
    """A fresh copy of `testing/fixtures/teams/<name>.json`, safe to modify."""
    activity: Activity = json.loads(_fixture_text(name))
    return activity


class _Clock:
    """Teams message ids are the post time in epoch milliseconds ("1759944781430"); these are
    taken from the wall clock and strictly increase, so two messages never share an id."""

    def __init__(self) -> None:
        self._last = 0

    def message_id(self) -> str:
        self._last = max(time.time_ns() // 1_000_000, self._last + 1)
        return str(self._last)


_clock = _Clock()


def new_message_id() -> str:
    return _clock.message_id()


def new_event_id() -> str:
    """Ids of conversationUpdate and installationUpdate activities: "f:" and a GUID."""
    return f"f:{uuid.uuid4()}"


def aad_object_id_for(user_id: str) -> str:
    """A stable Entra object id for a made-up user (the default user keeps the fixture's)."""
    if user_id == USER_ID:
        return USER_AAD_OBJECT_ID
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"teams-user:{user_id}"))


def mention_text(name: str) -> str:
    return f"<at>{name}</at>"


class TeamsActivities:
    """Builds Teams activities for one bot and POSTs them to `bot_url + "/api/messages"`.

    `service_url` goes into every activity (normally a FakeConnector's `base_url`);
    `recipient_id` and `recipient_name` are the bot as Teams addresses it ("28:<app id>").
    Every activity posted is kept in `sent` (`last` is the latest), so a test can read the id of
    what it sent, or post a modified copy with `post`.
    """

    def __init__(
        self,
        bot_url: str,
        service_url: str,
        *,
        recipient_id: str = BOT_ID,
        recipient_name: str = BOT_NAME,
        tenant_id: str = TENANT_ID,
        path: str = MESSAGES_PATH,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self.url = bot_url.rstrip("/") + path
        self.service_url = service_url
        self.recipient_id = recipient_id
        self.recipient_name = recipient_name
        self.tenant_id = tenant_id
        self.timeout = timeout
        self.sent: list[Activity] = []

    @property
    def last(self) -> Activity:
        """The activity posted most recently."""
        if not self.sent:
            raise AssertionError("no activity has been posted yet")
        return self.sent[-1]

    # Messages ----------------------------------------------------------------------------------

    async def personal_message(
        self,
        text: str | None,
        *,
        user_id: str = USER_ID,
        aad_object_id: str | None = None,
        user_name: str = USER_NAME,
        tenant_id: str | None = None,
        conversation_id: str = PERSONAL_CONVERSATION_ID,
        activity_id: str | None = None,
        value: Mapping[str, Any] | None = None,
        reply_to_id: str | None = None,
        authorization: str | None = None,
    ) -> Delivery:
        """A message in the one-to-one chat between the user and the bot.

        With `value`, the message an Adaptive Card `Action.Submit` sends: the card's data in
        `value`, `replyToId` naming the card's message, and no text unless `text` is given (a
        `messageBack` sends both). `activity_id` reuses an id, to play a redelivery.
        """
        activity = load_fixture(
            "message_personal_card_submit" if value is not None else "message_personal"
        )
        self._address(
            activity,
            conversation_id=conversation_id,
            tenant_id=tenant_id,
            user_id=user_id,
            user_name=user_name,
            aad_object_id=aad_object_id,
        )
        activity["id"] = activity_id or new_message_id()
        if value is not None:
            activity["value"] = copy.deepcopy(dict(value))
        if text or value is None:
            activity["text"] = text or ""
            activity["textFormat"] = "plain"
        if reply_to_id is not None:
            activity["replyToId"] = reply_to_id
        return await self.post(activity, authorization=authorization)

    async def channel_mention(
        self,
        text: str,
        *,
        team_id: str = TEAM_ID,
        channel_id: str | None = None,
        message_id: str | None = None,
        user_id: str = USER_ID,
        aad_object_id: str | None = None,
        user_name: str = USER_NAME,
        tenant_id: str | None = None,
        activity_id: str | None = None,
        mention: bool = True,
        authorization: str | None = None,
    ) -> Delivery:
        """A channel post that @mentions the bot: text "<at>Bot</at> `text`", plus the mention
        entity and the HTML attachment Teams adds.

        The conversation is the thread: "`channel_id`;messageid=`message_id`". Without
        `message_id` the post starts a new thread (its own id is the thread's); with one, it is a
        reply in that thread. `channel_id` defaults to the team's General channel (the team id).
        `mention=False` plays a post the bot sees without being mentioned (RSC).
        """
        activity = load_fixture("message_channel_mention")
        channel = channel_id or team_id
        activity["id"] = activity_id or new_message_id()
        thread = f"{channel};messageid={message_id or activity['id']}"
        self._address(
            activity,
            conversation_id=thread,
            tenant_id=tenant_id,
            user_id=user_id,
            user_name=user_name,
            aad_object_id=aad_object_id,
            team_id=team_id,
            channel_id=channel,
        )
        self._set_text(activity, text, mention=mention)
        return await self.post(activity, authorization=authorization)

    async def channel_submit(
        self,
        value: Mapping[str, Any],
        *,
        thread_id: str,
        reply_to_id: str | None = None,
        user_id: str = USER_ID,
        aad_object_id: str | None = None,
        user_name: str = USER_NAME,
        tenant_id: str | None = None,
        activity_id: str | None = None,
        authorization: str | None = None,
    ) -> Delivery:
        """An Adaptive Card `Action.Submit` pressed on a card the bot posted in a channel thread
        or a group chat: the channel message's shape with the card's data in `value`, no text,
        no mention or HTML attachment, and `replyToId` naming the card's message. `thread_id`
        is the conversation the card is in ("19:...;messageid=..." for a channel thread)."""
        in_channel = ";messageid=" in thread_id
        activity = load_fixture(
            "message_channel_mention" if in_channel else "message_group_chat_mention"
        )
        activity["id"] = activity_id or new_message_id()
        self._address(
            activity,
            conversation_id=thread_id,
            tenant_id=tenant_id,
            user_id=user_id,
            user_name=user_name,
            aad_object_id=aad_object_id,
            channel_id=thread_id.split(";messageid=", 1)[0] if in_channel else None,
        )
        for key in ("text", "textFormat", "attachments"):
            activity.pop(key, None)
        activity["entities"] = [e for e in activity["entities"] if e.get("type") != "mention"]
        activity["value"] = copy.deepcopy(dict(value))
        activity["channelData"]["source"] = {"name": "message"}
        if reply_to_id is not None:
            activity["replyToId"] = reply_to_id
        return await self.post(activity, authorization=authorization)

    async def group_chat_mention(
        self,
        text: str,
        *,
        chat_id: str = GROUP_CHAT_ID,
        user_id: str = USER_ID,
        aad_object_id: str | None = None,
        user_name: str = USER_NAME,
        tenant_id: str | None = None,
        activity_id: str | None = None,
        mention: bool = True,
        authorization: str | None = None,
    ) -> Delivery:
        """A group chat message that @mentions the bot (group chats have no threads, team or
        channel: `channelData` holds only the tenant)."""
        activity = load_fixture("message_group_chat_mention")
        activity["id"] = activity_id or new_message_id()
        self._address(
            activity,
            conversation_id=chat_id,
            tenant_id=tenant_id,
            user_id=user_id,
            user_name=user_name,
            aad_object_id=aad_object_id,
        )
        self._set_text(activity, text, mention=mention)
        return await self.post(activity, authorization=authorization)

    # Events ------------------------------------------------------------------------------------

    async def members_added(
        self,
        *,
        conversation_type: ConversationType = "personal",
        members: Sequence[str | Mapping[str, Any]] | None = None,
        conversation_id: str | None = None,
        team_id: str = TEAM_ID,
        user_id: str = USER_ID,
        tenant_id: str | None = None,
        activity_id: str | None = None,
        authorization: str | None = None,
    ) -> Delivery:
        """The conversationUpdate Teams sends when members join, by default because the bot was
        installed: personal scope lists the bot and the user; a team or group chat lists the bot
        (`channelData.eventType` "teamMemberAdded" in a team). `members` replaces the list: ids
        ("28:..." are bots, others users and get an aadObjectId) or whole member objects.
        """
        fixture = {
            "personal": "conversation_update_members_added_personal",
            "channel": "conversation_update_members_added_team",
            "groupChat": "conversation_update_members_added_group_chat",
        }[conversation_type]
        activity = load_fixture(fixture)
        activity["id"] = activity_id or new_event_id()
        self._address(
            activity,
            conversation_id=conversation_id or _default_conversation(conversation_type, team_id),
            tenant_id=tenant_id,
            user_id=user_id,
            team_id=team_id,
            channel_id=team_id,
        )
        if members is None:
            members = (
                [self.recipient_id, user_id]
                if conversation_type == "personal"
                else [self.recipient_id]
            )
        activity["membersAdded"] = [self._member(member) for member in members]
        return await self.post(activity, authorization=authorization)

    async def install_update(
        self,
        action: str = "add",
        *,
        conversation_type: Literal["personal", "channel"] = "personal",
        conversation_id: str | None = None,
        team_id: str = TEAM_ID,
        user_id: str = USER_ID,
        tenant_id: str | None = None,
        activity_id: str | None = None,
        authorization: str | None = None,
    ) -> Delivery:
        """The installationUpdate Teams sends when the app is installed ("add") or removed
        ("remove"; "add-upgrade" and "remove-upgrade" on an app upgrade)."""
        fixture = {
            "personal": "installation_update_personal",
            "channel": "installation_update_team",
        }[conversation_type]
        activity = load_fixture(fixture)
        activity["id"] = activity_id or new_event_id()
        activity["action"] = action
        self._address(
            activity,
            conversation_id=conversation_id or _default_conversation(conversation_type, team_id),
            tenant_id=tenant_id,
            user_id=user_id,
            team_id=team_id,
            channel_id=team_id,
        )
        return await self.post(activity, authorization=authorization)

    # Delivery ----------------------------------------------------------------------------------

    async def resend(
        self, activity: Mapping[str, Any] | None = None, *, authorization: str | None = None
    ) -> Delivery:
        """Deliver `activity` (default: the last one) again, unchanged: Teams' redelivery when
        the bot was slow to answer, same id and all."""
        return await self.post(
            copy.deepcopy(dict(activity or self.last)), authorization=authorization
        )

    async def file_consent(
        self,
        action: Literal["accept", "decline"],
        context: Mapping[str, Any],
        *,
        upload_url: str = "",
        file_name: str = "file.csv",
        user_id: str = USER_ID,
        user_name: str = USER_NAME,
        conversation_id: str = PERSONAL_CONVERSATION_ID,
        reply_to_id: str | None = None,
        activity_id: str | None = None,
    ) -> Delivery:
        """The person's answer to a file consent card in their personal chat: the
        `fileConsent/invoke` Teams sends, with the card's context; accepted, with the
        `uploadInfo` of the file Teams made in their OneDrive (`upload_url`: where to PUT it).
        The HTTP answer is the bot's invoke response."""
        activity = load_fixture("invoke_file_consent")
        self._address(
            activity,
            conversation_id=conversation_id,
            tenant_id=None,
            user_id=user_id,
            user_name=user_name,
        )
        activity["id"] = activity_id or f"f:{new_message_id()}"
        if reply_to_id is not None:
            activity["replyToId"] = reply_to_id
        value = activity["value"]
        value["action"] = action
        value["context"] = copy.deepcopy(dict(context))
        if action == "accept":
            info = value["uploadInfo"]
            info["uploadUrl"] = upload_url
            info["name"] = file_name
            info["fileType"] = file_name.rpartition(".")[2]
            info["contentUrl"] = f"https://contoso.sharepoint.com/personal/Documents/{file_name}"
        else:
            del value["uploadInfo"]  # Teams sends none when the file was declined
        return await self.post(activity)

    async def post(
        self,
        activity: Mapping[str, Any],
        *,
        authorization: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        """POST `activity` as JSON; `authorization` is the whole header value, e.g.
        "Bearer eyJ..."; a bare token gets "Bearer " put in front."""
        self.sent.append(dict(activity))
        body = json.dumps(activity, separators=(",", ":"), ensure_ascii=False).encode()
        return await self.post_bytes(body, authorization=authorization, headers=headers)

    async def post_bytes(
        self,
        body: bytes,
        *,
        content_type: str = "application/json; charset=utf-8",
        authorization: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        """POST raw bytes (malformed JSON, a wrong content type); the lowest level."""
        sent_headers = {"Content-Type": content_type, "User-Agent": TEAMS_USER_AGENT}
        if authorization is not None:
            has_scheme = " " in authorization.strip()
            sent_headers["Authorization"] = (
                authorization if has_scheme else f"Bearer {authorization}"
            )
        sent_headers.update(headers or {})
        started = time.perf_counter()
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session,
            session.post(self.url, data=body, headers=sent_headers) as response,
        ):
            text = await response.text()
            return Delivery(response.status, text, time.perf_counter() - started)

    # Shapes ------------------------------------------------------------------------------------

    def _address(
        self,
        activity: Activity,
        *,
        conversation_id: str,
        tenant_id: str | None,
        user_id: str,
        user_name: str | None = None,
        aad_object_id: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
    ) -> None:
        """Point the fixture at this bot, user, tenant and conversation: only fields the
        recorded shape has are set, so no shape gains fields Teams would not send."""
        tenant = tenant_id or self.tenant_id
        now = datetime.now(UTC)
        activity["serviceUrl"] = self.service_url
        activity["timestamp"] = _iso(now)
        if "localTimestamp" in activity:
            activity["localTimestamp"] = _iso(now.astimezone(LOCAL_OFFSET))
        activity["recipient"] = {"id": self.recipient_id, "name": self.recipient_name}
        sender = activity["from"]
        sender["id"] = user_id
        sender["aadObjectId"] = aad_object_id or aad_object_id_for(user_id)
        if "name" in sender or user_name is not None:
            sender["name"] = user_name or USER_NAME
        conversation = activity["conversation"]
        conversation["id"] = conversation_id
        conversation["tenantId"] = tenant
        channel_data = activity.setdefault("channelData", {})
        channel_data["tenant"] = {"id": tenant}
        if team_id is not None and "team" in channel_data:
            channel_data["team"]["id"] = team_id
        if team_id is not None and "teamsTeamId" in channel_data:
            channel_data["teamsTeamId"] = team_id
        if channel_id is not None:
            if "channel" in channel_data:
                channel_data["channel"]["id"] = channel_id
            if "teamsChannelId" in channel_data:
                channel_data["teamsChannelId"] = channel_id
            if "settings" in channel_data:
                channel_data["settings"]["selectedChannel"]["id"] = channel_id

    def _set_text(self, activity: Activity, text: str, *, mention: bool) -> None:
        at = mention_text(self.recipient_name)
        others = [entity for entity in activity["entities"] if entity.get("type") != "mention"]
        if mention:
            activity["text"] = f"{at} {text}"
            entity = {
                "mentioned": {"id": self.recipient_id, "name": self.recipient_name},
                "text": at,
                "type": "mention",
            }
            activity["entities"] = [entity, *others]
            span = (
                '<span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">'
                f"{html.escape(self.recipient_name)}</span>&nbsp;"
            )
        else:
            activity["text"] = text
            activity["entities"] = others
            span = ""
        activity["attachments"] = [
            {"contentType": "text/html", "content": f"<p>{span}{html.escape(text)}</p>"}
        ]

    def _member(self, member: str | Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(member, str):
            return dict(member)
        if member.startswith("28:"):
            return {"id": member}
        return {"id": member, "aadObjectId": aad_object_id_for(member)}


def _default_conversation(conversation_type: str, team_id: str) -> str:
    if conversation_type == "personal":
        return PERSONAL_CONVERSATION_ID
    if conversation_type == "groupChat":
        return GROUP_CHAT_ID
    # When the bot is added to a team, the conversation is the channel it was installed from
    # (General, whose id is the team's, by default).
    return team_id


def _iso(moment: datetime) -> str:
    """Teams' timestamp format: "2025-01-06T09:30:00.123Z" (or with the local offset)."""
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


# Inbound tokens ------------------------------------------------------------------------------

CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"
# Where botframework-connector 4.17 fetches the keys of Bot Framework channel tokens (with a
# blocking `requests.get`, no timeout, on the event loop); then the `jwks_uri` it names.
CHANNEL_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"


class ChannelTokenSigner:
    """Bot Framework channel tokens signed with a local RSA key that the SDK is made to trust.

    A bot with an app id validates every request's token against keys it downloads from
    login.botframework.com. `trusted()` puts this signer's public key in the SDK's process-wide
    key cache (`JwtTokenExtractor.metadataCache`) as freshly fetched, so validation runs for
    real (signature, issuer, audience, expiry, endorsements, serviceUrl claim) and never reaches
    for the network; `token()` then mints what the Bot Framework would send.

        signer = ChannelTokenSigner(app_id)
        with signer.trusted():
            await teams.personal_message("hi", authorization=signer.token(connector.base_url))

    This relies on botframework-connector internals (4.17): re-check it on upgrades.
    """

    def __init__(
        self,
        app_id: str,
        *,
        key_id: str = "fake-bot-framework-key",
        endorsements: Sequence[str] = ("msteams",),
    ) -> None:
        self.app_id = app_id
        self.key_id = key_id
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        self.jwk = {**jwk, "kid": key_id, "use": "sig", "endorsements": list(endorsements)}

    def token(
        self,
        service_url: str,
        *,
        audience: str | None = None,
        issuer: str = CHANNEL_TOKEN_ISSUER,
        lifetime: float = 3600.0,
        key_id: str | None = None,
        **claims: Any,
    ) -> str:
        """ "Bearer <JWT>" as the channel signs it: `aud` the bot's app id, `serviceurl` the
        activity's serviceUrl (the SDK requires them equal). A negative `lifetime` gives an
        expired token (beyond the SDK's five-minute clock tolerance if under -300)."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + int(lifetime),
            "iss": issuer,
            "aud": audience or self.app_id,
            **claims,
        }
        headers = {"kid": key_id or self.key_id, "typ": "JWT"}
        return "Bearer " + jwt.encode(payload, self._key, algorithm="RS256", headers=headers)

    @contextmanager
    def trusted(self, metadata_url: str = CHANNEL_OPENID_METADATA_URL) -> Iterator[None]:
        """Within the block, the SDK trusts this key for tokens checked against `metadata_url`
        and believes its key cache fresh (no download for a day); the cache is restored after."""
        extractor = importlib.import_module("botframework.connector.auth.jwt_token_extractor")
        cache: dict[str, Any] = extractor.JwtTokenExtractor.metadataCache
        metadata = extractor._OpenIdMetadata(metadata_url)
        metadata.keys = [self.jwk]
        metadata.last_updated = datetime.now()  # the SDK compares naive local times
        missing = object()
        previous = cache.get(metadata_url, missing)
        cache[metadata_url] = metadata
        try:
            yield
        finally:
            if previous is missing:
                cache.pop(metadata_url, None)
            else:
                cache[metadata_url] = previous
