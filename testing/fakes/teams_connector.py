"""A real local HTTP server that plays the Bot Framework connector service for Microsoft Teams.

A Teams bot never answers in the HTTP response: it calls back the connector service named by
the incoming activity's `serviceUrl` (`POST {serviceUrl}/v3/conversations/{id}/activities/...`).
Give activities this fake's `base_url` as their `serviceUrl` and the bot's real CloudAdapter,
ConnectorClient, msrest serialisation and error handling run unchanged against it; tests assert
on the traffic it received, the way `FakeSlackApi` does for Slack.

    async with FakeConnector() as connector:
        teams = TeamsActivities(bot_url, connector.base_url)
        await teams.personal_message("hi")
        [reply] = await connector.wait_for(REPLY)
        assert reply.body["text"] == "..."

Operations are named after botframework-connector's methods (`send_to_conversation`,
`reply_to_activity`, ...; constants below). Conversation ids arrive percent-encoded (msrest quotes
":", ";", "=", "@" and even "/"); aiohttp matches the raw path segment and decodes it once, so
recorded ids are exactly what the bot passed, with no second unquoting to corrupt a literal "%".

Rate limits are off unless a test sets them. Teams documents them per bot per conversation
("thread": 7 per second, 8 per 2 s, 60 per 30 s, 1800 per hour) and per bot per tenant across
every conversation (50 per second); `limit_like_teams(speedup)` plays those, `limit` sets any.
A call over a limit is answered 429 with `Retry-After` and recorded with `rate_limited=True`.

    connector.limit_like_teams(speedup=10)              # the documented windows, 10x shorter
    connector.set_members(make_members(2000), TEAM_ID)  # the roster, for pagedmembers
    ...
    assert max(connector.sent_counts().values()) == 1   # one reminder per person
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from testing.fakes.local_server import local_server

# One sliding-window limiter for both fakes; it lives with the Slack fake, which came first.
# Clock, ManualClock and RateLimit are re-exported ("as"), so Teams tests import them from here.
from testing.fakes.slack_api import Clock as Clock
from testing.fakes.slack_api import ManualClock as ManualClock
from testing.fakes.slack_api import RateLimit as RateLimit
from testing.fakes.slack_api import SlidingWindows, retry_after
from testing.fakes.teams_activities import TEAM_NAME, TENANT_ID, load_fixture

SEND = "send_to_conversation"
REPLY = "reply_to_activity"
HISTORY = "send_conversation_history"
UPDATE = "update_activity"
DELETE = "delete_activity"
CREATE = "create_conversation"
GET_CONVERSATIONS = "get_conversations"
MEMBERS = "get_conversation_members"
MEMBER = "get_conversation_member"
PAGED_MEMBERS = "get_conversation_paged_members"
TEAM_DETAILS = "get_team_details"
TEAM_CHANNELS = "get_teams_channels"
UNKNOWN = "unknown"  # any request no route matches, answered 404 and recorded all the same
OPERATIONS = frozenset(
    {
        SEND,
        REPLY,
        HISTORY,
        UPDATE,
        DELETE,
        CREATE,
        GET_CONVERSATIONS,
        MEMBERS,
        MEMBER,
        PAGED_MEMBERS,
        TEAM_DETAILS,
        TEAM_CHANNELS,
        UNKNOWN,
    }
)
SENDING = (SEND, REPLY)  # the operations whose bodies are messages the bot sent

# Teams' documented limits (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit):
# per bot per thread, for sending into one conversation, all four windows at once...
TEAMS_THREAD_LIMITS = (
    RateLimit(7, 1.0),
    RateLimit(8, 2.0),
    RateLimit(60, 30.0),
    RateLimit(1800, 3600.0),
)
# ...and per bot per tenant, across every conversation and operation.
TEAMS_TENANT_LIMIT = RateLimit(50, 1.0)
LimitScope = Literal["conversation", "tenant"]
# A channel thread's id is its channel's id and ";messageid=<the thread's first post>".
THREAD_SUFFIX = ";messageid="
# get_conversation_paged_members: Teams serves 50 to 500 members a page, 200 when not asked.
PAGE_SIZE_DEFAULT, PAGE_SIZE_MIN, PAGE_SIZE_MAX = 200, 50, 500

# A bot may offer a file (a file consent card) only in a personal chat, whose ids start "a:"
# (channels and group chats are "19:..."): Teams' bot file APIs work in no other scope.
FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
PERSONAL_PREFIX = "a:"
# Teams message ids are epoch milliseconds; the fake's start here and go up by one.
FIRST_ACTIVITY_ID = 1_700_000_000_000
TEAM_AAD_GROUP_ID = "00000000-0000-4000-8000-0000000000a1"


@dataclass(frozen=True)
class ConnectorCall:
    """One request the fake received, in arrival order (refused ones included).

    `conversation_id` and `activity_id` are decoded from the path ("" and None where the route has
    none); `body` is the JSON body (None for GET and DELETE); `authorization` the raw header
    ("Bearer ..."), None in emulator mode. `at` is the fake's clock on arrival
    (`time.monotonic()` unless the test injected one), to assert on the spacing of calls.
    `status` and `answer` are what the fake replied (answer None: no body). `client_port` is the
    bot's end of the TCP connection: calls on one kept-alive connection share it.
    `rate_limited` is True for a call refused with a 429 by a limit set with `limit` (not for
    a 429 queued with `respond`).
    """

    method: str
    operation: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any] | None
    authorization: str | None
    at: float
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0
    answer: Any = None
    client_port: int | None = None
    rate_limited: bool = False

    def __str__(self) -> str:
        shown = json.dumps(self.body, default=str, ensure_ascii=False) if self.body else ""
        if len(shown) > 160:
            shown = shown[:157] + "..."
        return f"{self.method} {self.operation} {self.path} -> {self.status} {shown}".rstrip()


@dataclass(frozen=True)
class Delivery:
    """An activity the connector accepted into a conversation: what the bot sent, where, when
    (`at`, the fake's clock on arrival), through which operation, and the id it got."""

    conversation_id: str
    activity: dict[str, Any]
    at: float
    operation: str
    activity_id: str | None


@dataclass(frozen=True)
class _Limit:
    limit: RateLimit
    scope: LimitScope
    operations: frozenset[str]


@dataclass
class _Canned:
    status: int
    body: Any
    headers: Mapping[str, str]
    remaining: int | None  # None: every later call, until clear_responses()


def _client_port(request: web.Request) -> int | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return int(peer[1]) if peer else None


def error_body(code: str, message: str) -> dict[str, Any]:
    """The connector's ErrorResponse shape, which botframework-connector deserialises into
    `ErrorResponseException.error.error.code`."""
    return {"error": {"code": code, "message": message}}


class FakeConnector:
    """The connector service at `base_url`, on 127.0.0.1.

    Default answers follow the Bot Framework REST API: activities posted get 201 and
    {"id": "<increasing id>"}; update 200 {"id"}; delete 200 without a body; create_conversation
    201 with a new "a:proactive-<n>" id, except that a one-to-one chat with a person who has one
    already (created before, or named with `set_personal_conversation`) answers with that
    chat's id, as Teams does; members come from a roster (`set_members`), by default
    the fixture's one user. `respond` queues other answers (a 429 with Retry-After, a 403 for an
    uninstalled app, Teams' 202 with no body).
    """

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        # The fake's time (ConnectorCall.at, rate-limit windows); a test may inject a ManualClock
        # to play long windows without sleeping.
        self.clock = clock
        self._limits: list[_Limit] = []
        self._windows = SlidingWindows()
        self._calls: list[ConnectorCall] = []
        self._canned: dict[str, deque[_Canned]] = {}
        self._arrival = asyncio.Event()
        self._activity_count = 0
        self._conversation_count = 0
        self._root_url: str | None = None
        self._stack = AsyncExitStack()
        self._default_roster: list[dict[str, Any]] = [load_fixture("conversation_member")]
        self._rosters: dict[str, list[dict[str, Any]]] = {}
        # (tenant, member id) -> the one-to-one chat's id: Teams keeps one per person and bot.
        self._personal: dict[tuple[str, str], str] = {}
        # Seconds every call takes before its answer (the real connector's latency, in load tests).
        self.latency = 0.0

    # Lifecycle -------------------------------------------------------------------------------

    async def start(self) -> Self:
        """Start serving; `async with FakeConnector() as connector` calls this for you."""
        app = web.Application()
        conversation = "/v3/conversations/{conversation_id:[^/]+}"
        activity = conversation + "/activities/{activity_id:[^/]+}"
        routes: list[tuple[str, str, str]] = [
            ("GET", "/v3/conversations", GET_CONVERSATIONS),
            ("POST", "/v3/conversations", CREATE),
            ("POST", conversation + "/activities", SEND),
            ("POST", conversation + "/activities/history", HISTORY),  # before the {activity_id}
            ("POST", activity, REPLY),
            ("PUT", activity, UPDATE),
            ("DELETE", activity, DELETE),
            ("GET", conversation + "/members", MEMBERS),
            ("GET", conversation + "/members/{member_id:[^/]+}", MEMBER),
            ("GET", conversation + "/pagedmembers", PAGED_MEMBERS),
            ("GET", "/v3/teams/{team_id:[^/]+}", TEAM_DETAILS),
            ("GET", "/v3/teams/{team_id:[^/]+}/conversations", TEAM_CHANNELS),
        ]
        for method, path, operation in routes:
            app.router.add_route(method, path, self._handler(operation))
        app.router.add_route("*", "/{tail:.*}", self._handler(UNKNOWN))
        self._root_url = await self._stack.enter_async_context(local_server(app))
        return self

    async def close(self) -> None:
        await self._stack.aclose()
        self._root_url = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`: what activities carry as `serviceUrl`."""
        if self._root_url is None:
            raise RuntimeError("FakeConnector is not running: use `async with FakeConnector()`")
        return self._root_url

    # Configuration ---------------------------------------------------------------------------

    def respond(
        self,
        operation: str,
        status: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next `times` calls of `operation` with `status` and `body` (JSON; None
        sends no body), before the default answer. Queued per operation, in order; `times=None`
        keeps answering until `clear_responses()`. The SDK raises `ErrorResponseException` for
        any status outside 200-202 and does not retry, even on 429 with Retry-After.
        """
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {sorted(OPERATIONS)}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call")
        canned = _Canned(status, copy.deepcopy(body), dict(headers or {}), times)
        self._canned.setdefault(operation, deque()).append(canned)

    def clear_responses(self) -> None:
        """Forget every answer queued with `respond`."""
        self._canned.clear()

    def set_members(
        self, members: Sequence[Mapping[str, Any]], conversation_id: str | None = None
    ) -> None:
        """The roster the member operations answer from, for one conversation or (None) for
        every conversation without its own. Members are TeamsChannelAccount objects
        (`conversation_member.json` shows the fields Teams fills in; `make_members` builds
        many). A channel's roster is its team's: a channel id serves every thread in it, with
        or without the ";messageid=..." suffix (which is ignored here too)."""
        roster = [dict(member) for member in members]
        if conversation_id is None:
            self._default_roster = roster
        else:
            self._rosters[_without_thread(conversation_id)] = roster

    def limit(
        self,
        calls: int,
        per_seconds: float,
        *,
        per: LimitScope = "conversation",
        operations: Collection[str] = SENDING,
    ) -> None:
        """Allow at most `calls` of `operations` (together) in any `per_seconds` (a sliding
        window): in each conversation (`per="conversation"`: the exact id, so each channel
        thread counts apart; operations without one, like create_conversation, count as one
        conversation ""), or across all of them (`per="tenant"`: the fake serves one bot in
        one tenant).

        A call over any limit is answered 429 with `Retry-After` (whole seconds until a slot
        frees, at least 1) and error code "Throttled", is recorded with `rate_limited=True`,
        and does not count against the windows. Limits add up. Off by default;
        `clear_limits()` removes them all.
        """
        unknown = set(operations) - OPERATIONS
        if unknown:
            raise ValueError(f"unknown operations {sorted(unknown)}; one of {sorted(OPERATIONS)}")
        self._limits.append(_Limit(RateLimit(calls, per_seconds), per, frozenset(operations)))

    def limit_like_teams(self, speedup: float = 1.0) -> None:
        """Teams' documented limits, every window `speedup` times shorter: per conversation,
        messages sent (send_to_conversation and reply_to_activity together) at 7 per 1 s, 8 per
        2 s, 60 per 30 s and 1800 per 3600 s; across conversations, every operation at 50 per
        second."""
        for limit in TEAMS_THREAD_LIMITS:
            scaled = limit.scaled(speedup)
            self.limit(scaled.calls, scaled.per_seconds, per="conversation", operations=SENDING)
        tenant = TEAMS_TENANT_LIMIT.scaled(speedup)
        self.limit(
            tenant.calls, tenant.per_seconds, per="tenant", operations=OPERATIONS - {UNKNOWN}
        )

    def clear_limits(self) -> None:
        """Remove every limit and forget the calls counted against them."""
        self._limits.clear()
        self._windows.clear()

    def set_personal_conversation(
        self, member_id: str, conversation_id: str, tenant_id: str = TENANT_ID
    ) -> None:
        """The one-to-one chat that already exists between the bot and `member_id`:
        create_conversation for them answers with its id, as Teams does."""
        self._personal[(tenant_id, member_id)] = conversation_id

    # Queries ---------------------------------------------------------------------------------

    def calls(self, operation: str | None = None) -> list[ConnectorCall]:
        """Calls received so far, in order; only those of `operation` when given."""
        return [call for call in self._calls if operation is None or call.operation == operation]

    def deliveries(self, conversation_id: str | None = None) -> list[Delivery]:
        """Each activity the connector accepted (send_to_conversation and reply_to_activity
        bodies, and an activity posted with create_conversation), in order, with where and
        when it arrived; only to `conversation_id` when given. Refused calls (any status from
        300, a rate limit's 429 included) delivered nothing."""
        found: list[Delivery] = []
        for call in self._calls:
            if call.body is None or call.status >= 300:
                continue
            answer = call.answer if isinstance(call.answer, dict) else {}
            if call.operation in SENDING:
                target, activity = call.conversation_id, call.body
                activity_id = answer.get("id")
            elif call.operation == CREATE and isinstance(call.body.get("activity"), dict):
                target, activity = str(answer.get("id", "")), call.body["activity"]
                activity_id = answer.get("activityId")
            else:
                continue
            if conversation_id is None or target == conversation_id:
                found.append(Delivery(target, activity, call.at, call.operation, activity_id))
        return found

    def sent(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """The activities the bot sent (see `deliveries`), in order; only to `conversation_id`
        when given."""
        return [delivery.activity for delivery in self.deliveries(conversation_id)]

    def sent_counts(self) -> Counter[str]:
        """How many activities each conversation received (conversation id -> count)."""
        return Counter(delivery.conversation_id for delivery in self.deliveries())

    def rejected(self, operation: str | None = None) -> list[ConnectorCall]:
        """The calls refused for going over a limit set with `limit` (answered 429), in order;
        only those of `operation` when given. `calls()` lists them too, among the others."""
        return [call for call in self.calls(operation) if call.rate_limited]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        """The `text` of each sent activity ("" for a card without text)."""
        return [str(activity.get("text") or "") for activity in self.sent(conversation_id)]

    def last(self, operation: str) -> ConnectorCall:
        """The latest call of `operation`; AssertionError when there was none."""
        calls = self.calls(operation)
        if not calls:
            raise AssertionError(f"no {operation!r} call; calls seen: {self._describe_calls()}")
        return calls[-1]

    def clear(self) -> None:
        """Forget the recorded calls (not the queued answers or rosters)."""
        self._calls.clear()

    async def wait_for(
        self,
        operation: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the agreed API; a deadline, not a cancel scope
        *,
        where: Callable[[ConnectorCall], bool] | None = None,
    ) -> list[ConnectorCall]:
        """Wait until at least `count` calls of `operation` (matching `where`) have arrived and
        return all of them; AssertionError listing every call seen when `timeout` passes first.
        Wakes on each arrival rather than sleeping a guessed delay."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {sorted(OPERATIONS)}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            arrival = self._arrival  # taken before checking, so no arrival is missed
            matching = [call for call in self.calls(operation) if where is None or where(call)]
            if len(matching) >= count:
                return matching
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} {operation!r} call(s) within {timeout:g}s, got "
                    f"{len(matching)}; calls seen: {self._describe_calls()}"
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(arrival.wait(), remaining)

    async def wait_for_sent(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, like wait_for's
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least `count` activities in all (sends and replies
        alike: which one the SDK uses depends on the activity it answers)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            arrival = self._arrival
            sent = self.sent()
            if len(sent) >= count:
                return sent
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} sent activities within {timeout:g}s, got {len(sent)}; "
                    f"calls seen: {self._describe_calls()}"
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(arrival.wait(), remaining)

    def _describe_calls(self) -> str:
        if not self._calls:
            return "none"
        return "".join(f"\n  {index}. {call}" for index, call in enumerate(self._calls, 1))

    # HTTP ------------------------------------------------------------------------------------

    def _handler(self, operation: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._on_request(operation, request)

        return handle

    async def _on_request(self, operation: str, request: web.Request) -> web.StreamResponse:
        arrived = self.clock()
        info = request.match_info
        # Admitted or refused on arrival, before any await, so concurrent calls are counted in
        # the order they came.
        wait = self._admit(operation, info.get("conversation_id", ""), arrived)
        body, invalid = await _read_body(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        headers: Mapping[str, str] = {}
        canned = None if wait > 0 else self._next_canned(operation)  # a refusal uses none
        if wait > 0:
            status, answer = 429, error_body("Throttled", f"Too many requests: {operation}")
            headers = {"Retry-After": retry_after(wait)}
        elif canned is not None:
            status, answer, headers = canned.status, canned.body, canned.headers
        elif invalid is not None:
            status, answer = 400, error_body("BadArgument", invalid)
        else:
            status, answer = self._default_answer(operation, request, body)
        self._record(
            ConnectorCall(
                method=request.method,
                operation=operation,
                conversation_id=info.get("conversation_id", info.get("team_id", "")),
                activity_id=info.get("activity_id"),
                body=body,
                authorization=request.headers.get("Authorization"),
                at=arrived,
                path=request.path,
                query=dict(request.query),
                status=status,
                answer=copy.deepcopy(answer),
                client_port=_client_port(request),
                rate_limited=wait > 0,
            )
        )
        if answer is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(answer, status=status, headers=headers)

    def _admit(self, operation: str, conversation_id: str, now: float) -> float:
        """0.0 when the call fits every limit on its operation (and is counted), else the
        seconds until it would."""
        buckets: list[tuple[Hashable, RateLimit]] = []
        for index, rule in enumerate(self._limits):
            if operation in rule.operations:
                key = conversation_id if rule.scope == "conversation" else ""
                buckets.append(((index, key), rule.limit))
        return self._windows.admit(buckets, now) if buckets else 0.0

    def _record(self, call: ConnectorCall) -> None:
        self._calls.append(call)
        arrival, self._arrival = self._arrival, asyncio.Event()
        arrival.set()

    def _next_canned(self, operation: str) -> _Canned | None:
        queue = self._canned.get(operation)
        if not queue:
            return None
        canned = queue[0]
        if canned.remaining is not None:
            canned.remaining -= 1
            if canned.remaining == 0:
                queue.popleft()
        return canned

    # Default answers -------------------------------------------------------------------------

    def _default_answer(
        self, operation: str, request: web.Request, body: dict[str, Any] | None
    ) -> tuple[int, Any]:
        info = request.match_info
        conversation_id = info.get("conversation_id", "")
        if operation == HISTORY:
            return 201, {"id": self._next_activity_id()}
        if operation in (SEND, REPLY):
            if body is None or not body.get("type"):
                return 400, error_body("BadArgument", "Activity type is required")
            refused = _file_offer_refused(conversation_id, body)
            if refused is not None:
                return 400, error_body("BadArgument", refused)
            return 201, {"id": self._next_activity_id()}
        if operation == UPDATE:
            if body is None or not body.get("type"):
                return 400, error_body("BadArgument", "Activity type is required")
            return 200, {"id": info["activity_id"]}
        if operation == DELETE:
            return 200, None
        if operation == CREATE:
            return self._create_conversation(body or {})
        if operation == GET_CONVERSATIONS:
            return 200, {"conversations": [], "continuationToken": None}
        if operation == MEMBERS:
            return 200, self._roster(conversation_id)
        if operation == MEMBER:
            return self._member(conversation_id, info["member_id"])
        if operation == PAGED_MEMBERS:
            return self._paged_members(conversation_id, request.query)
        if operation == TEAM_DETAILS:
            team_id = info["team_id"]
            return 200, {"id": team_id, "name": TEAM_NAME, "aadGroupId": TEAM_AAD_GROUP_ID}
        if operation == TEAM_CHANNELS:
            # The General channel's name is null (clients localise it); its id is the team's.
            return 200, {"conversations": [{"id": info["team_id"], "name": None}]}
        return 404, error_body("NotFound", f"no route for {request.method} {request.path}")

    def _create_conversation(self, params: dict[str, Any]) -> tuple[int, Any]:
        channel_data = params.get("channelData") or {}
        # botbuilder-python spells the top-level key "tenantID"; the service reads it either way.
        tenant = (
            params.get("tenantId")
            or params.get("tenantID")
            or (channel_data.get("tenant") or {}).get("id")
        )
        if not params.get("isGroup") and not params.get("members"):
            return 400, error_body("BadArgument", "Conversation members are required")
        if not tenant:
            # Teams cannot place a conversation without the tenant (channelData.tenant.id).
            return 400, error_body("BadArgument", "Tenant id is required")
        activity_id = self._next_activity_id() if params.get("activity") else None
        channel = (channel_data.get("channel") or {}).get("id")
        members = params.get("members") or []
        one_to_one = not params.get("isGroup") and len(members) == 1
        personal = (str(tenant), str(members[0].get("id"))) if one_to_one else None
        if personal is not None and personal in self._personal:
            # Teams has one chat per person and bot: asking again answers with that chat.
            conversation_id = self._personal[personal]
        elif params.get("isGroup") and channel:
            # A new channel thread: the conversation is the thread of the post that opened it.
            self._conversation_count += 1
            activity_id = activity_id or self._next_activity_id()
            conversation_id = f"{channel};messageid={activity_id}"
        else:
            self._conversation_count += 1
            conversation_id = f"a:proactive-{self._conversation_count}"
            if personal is not None:
                self._personal[personal] = conversation_id
        answer: dict[str, Any] = {"id": conversation_id, "serviceUrl": self.base_url}
        if activity_id is not None:
            answer["activityId"] = activity_id
        return 201, answer

    def _roster(self, conversation_id: str) -> list[dict[str, Any]]:
        roster = self._rosters.get(_without_thread(conversation_id), self._default_roster)
        return [{"tenantId": TENANT_ID, **member} for member in copy.deepcopy(roster)]

    def _member(self, conversation_id: str, member_id: str) -> tuple[int, Any]:
        # Teams looks members up by Teams id, Entra object id or UPN.
        wanted = member_id.lower()
        for member in self._roster(conversation_id):
            keys = ("id", "aadObjectId", "objectId", "userPrincipalName", "email")
            if any(str(member.get(key, "")).lower() == wanted for key in keys):
                return 200, member
        return 404, error_body(
            "MemberNotFoundInConversation", "The member is not found in the conversation."
        )

    def _paged_members(self, conversation_id: str, query: Mapping[str, str]) -> tuple[int, Any]:
        roster = self._roster(conversation_id)
        size_argument = query.get("pageSize") or str(PAGE_SIZE_DEFAULT)
        token = query.get("continuationToken") or "0"
        if not size_argument.isdigit():
            return 400, error_body("BadArgument", "pageSize must be a number")
        if not token.isdigit() or int(token) > len(roster):
            # A token the fake never gave: refused rather than quietly restarting from the
            # first page, which would hand a paging loop the same members twice.
            return 400, error_body("BadArgument", "Invalid continuation token")
        start = int(token)
        size = min(max(int(size_argument), PAGE_SIZE_MIN), PAGE_SIZE_MAX)
        page = roster[start : start + size]
        answer: dict[str, Any] = {"members": page}
        if start + size < len(roster):
            # The last page has no token at all, which is how clients know to stop.
            answer["continuationToken"] = str(start + size)
        return 200, answer

    def _next_activity_id(self) -> str:
        self._activity_count += 1
        return str(FIRST_ACTIVITY_ID + self._activity_count)


def make_members(count: int, *, start: int = 1) -> list[dict[str, Any]]:
    """`count` distinct team members shaped like Teams' TeamsChannelAccount (as in
    `conversation_member.json`), numbered from `start`: ids "29:member-1", ...; for
    `set_members` when a test needs a big roster."""
    members: list[dict[str, Any]] = []
    for number in range(start, start + count):
        login = f"member{number}@acme.example"
        members.append(
            {
                "id": f"29:member-{number}",
                "name": f"Member {number}",
                "aadObjectId": f"00000000-0000-4000-8000-{number:012d}",
                "givenName": "Member",
                "surname": str(number),
                "email": login,
                "userPrincipalName": login,
                "tenantId": TENANT_ID,
                "userRole": "user",
            }
        )
    return members


def _without_thread(conversation_id: str) -> str:
    """A channel thread's id without its ";messageid=..." suffix: the channel, whose roster the
    thread shares."""
    return conversation_id.split(THREAD_SUFFIX, 1)[0]


def _file_offer_refused(conversation_id: str, body: Mapping[str, Any]) -> str | None:
    """Why Teams would refuse a message's file consent card, or None (no card, or a good one):
    only in a personal chat, naming the file and its size."""
    for attachment in body.get("attachments") or []:
        if not isinstance(attachment, dict) or attachment.get("contentType") != FILE_CONSENT_CARD:
            continue
        if not conversation_id.startswith(PERSONAL_PREFIX):
            return "File consent cards can only be sent in a personal chat"
        content = attachment.get("content")
        size = content.get("sizeInBytes") if isinstance(content, dict) else None
        if not attachment.get("name") or not isinstance(size, int) or size < 1:
            return "A file consent card needs the file's name and size"
    return None


async def _read_body(request: web.Request) -> tuple[dict[str, Any] | None, str | None]:
    """(JSON object body or None, why it was refused or None)."""
    if not request.body_exists:
        return None, None
    raw = await request.read()
    try:
        body = json.loads(raw)
    except ValueError:
        return None, "the body is not JSON"
    if not isinstance(body, dict):
        return {"body": body}, "the body is not a JSON object"
    return body, None
