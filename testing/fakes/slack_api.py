"""A real local HTTP server that answers the Slack Web API the way Slack does.

A server rather than a mock: the bot's real `AsyncWebClient`, Bolt's `respond()` and slack_sdk's
retry handlers run unchanged against it, so tests cover what mocks silently agree with: JSON
versus form bodies, `urljoin` of the base URL, the bearer token, `Retry-After` handling. Tests
assert on the traffic the fake received (`calls`, `wait_for`), as bolt-python's own tests do.

    async with FakeSlackApi() as api:
        client = AsyncWebClient(token="xoxb-test", base_url=api.base_url)
        api.respond("chat.postMessage", {"ok": False, "error": "ratelimited"},
                    status=429, headers={"Retry-After": "1"})
        ...
        [call] = await api.wait_for("chat.postMessage")
        assert call.params["blocks"][0]["type"] == "section"

Rate limits are off unless a test sets them, so no other test can trip on them. When set, the fake
enforces them with sliding windows, as Slack does per app, workspace and method: a call over a
limit is answered HTTP 429 `ratelimited` with `Retry-After`, recorded with `rate_limited=True`.

    api.limit("chat.postMessage", calls=50, per_seconds=1.0)        # a scaled workspace limit
    api.limit("chat.postMessage", calls=1, per_seconds=0.02, per_channel=True)
    api.limit_like_slack(speedup=60)   # every documented tier, a minute played in a second
    api.channel_members["C0GENERAL"] = ["U1", "U2", ...]            # for conversations.members
    api.unpostable["C0SECRET"] = "not_in_channel"                    # chat.postMessage refused
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from testing.fakes.local_server import local_server
from testing.fakes.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    FIXTURES_DIR,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
)

# Arguments slack_sdk (or a caller) may send as a JSON string inside a form body. They are
# decoded so a test asserts on Python objects whichever encoding the client chose.
JSON_FIELDS = frozenset(
    {
        "attachments",
        "blocks",
        "dialog",
        "files",
        "metadata",
        "option_groups",
        "options",
        "unfurls",
        "user_auth_blocks",
        "view",
    }
)
# Methods Slack answers without a bearer token (they authenticate with client id and secret).
TOKENLESS_METHODS = frozenset({"api.test", "oauth.v2.access", "oauth.v2.exchange"})
# What the app's manifests ask for (manifests/slack.yml), and so what its bot token holds,
# including channels:read and groups:read, which conversations.members needs to read a
# channel's members (CONVERSATION_READ_SCOPES); a test of an installation that lacks them
# removes them: `api.scopes -= {"channels:read", "groups:read"}`. (im:read is here but not in
# the manifest.)
BOT_SCOPES = (
    "app_mentions:read,channels:read,chat:write,chat:write.public,commands,files:write,"
    "groups:read,im:history,im:read,im:write,users:read"
)
# The scope a method needs, for the methods an installation could lack it for (the app asked
# for files:write only once it posted files): Slack answers `missing_scope` without it.
REQUIRED_SCOPES = {
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
# Methods whose scope depends on the kind of conversation they read (Slack documents
# "channels:read, groups:read, im:read or mpim:read"): the scope for each kind, by the first
# letter of the conversation id. Private channels made since 2021 have C ids too, so the fake
# also reads `FakeSlackApi.private_channels` to tell them apart.
CONVERSATION_READ_METHODS = frozenset({"conversations.members"})
CONVERSATION_READ_SCOPES = {"C": "channels:read", "G": "groups:read", "D": "im:read"}
# conversations.members: `limit` defaults to 100 and Slack serves at most 1000 a page.
MEMBERS_DEFAULT_LIMIT = 100
MEMBERS_MAX_LIMIT = 1000
# Slack's documented tiers, in calls per minute (the floor of "20+ per minute" and the like),
# and the tier of each method the fake answers (from each method's reference page). Methods
# absent here are "special" (chat.postMessage, below) or unlisted, and `limit_like_slack`
# leaves them unlimited.
SLACK_TIERS = {1: 1, 2: 20, 3: 50, 4: 100}
SLACK_METHOD_TIERS = {
    "chat.update": 3,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "conversations.open": 3,
    "conversations.members": 4,
    "users.info": 4,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
# Recorded as the method of calls that arrive at a response_url rather than at /api/.
RESPONSE_URL = "response_url"
# Recorded as the method of a file's bytes posted to the upload_url of
# files.getUploadURLExternal (the second of the three steps of `files_upload_v2`).
FILE_UPLOAD = "file_upload"

Answer = dict[str, Any]
# What the fakes read the time from: time.monotonic unless a test injects its own (ManualClock).
Clock = Callable[[], float]


# Rate limits (platform-neutral: the Teams fake, testing.fakes.teams_connector, uses them too) ---


@dataclass(frozen=True)
class RateLimit:
    """At most `calls` calls in any `per_seconds` window (a sliding window, not fixed buckets:
    a burst of `calls` is allowed, the next one waits until the oldest leaves the window)."""

    calls: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.calls < 1 or not self.per_seconds > 0:
            raise ValueError(f"a rate limit needs calls >= 1 and per_seconds > 0, not {self}")

    def scaled(self, speedup: float) -> RateLimit:
        """The same number of calls in a window `speedup` times shorter: a documented limit
        played fast enough for a test (speedup=60 makes a minute last a second)."""
        if not speedup > 0:
            raise ValueError("speedup must be positive")
        return RateLimit(self.calls, self.per_seconds / speedup)


def slack_tier(tier: int, *, speedup: float = 1.0) -> RateLimit:
    """Slack's documented Web API tier (1: 1+/min, 2: 20+/min, 3: 50+/min, 4: 100+/min), its
    minute divided by `speedup`."""
    return RateLimit(SLACK_TIERS[tier], 60.0).scaled(speedup)


class SlidingWindows:
    """The calls each rate-limit bucket let through lately, to admit or refuse the next one.

    A bucket is a hashable key (what the limit counts by: a method and token, a conversation)
    with its RateLimit. A call must fit every bucket it falls in; a refused call does not count
    against any of them, so a client that waits the Retry-After it was given gets through.
    """

    def __init__(self) -> None:
        self._admitted: dict[Hashable, deque[float]] = {}

    def admit(self, buckets: Iterable[tuple[Hashable, RateLimit]], now: float) -> float:
        """Admit a call at `now` and return 0.0, or refuse it and return the seconds until
        every bucket it falls in has room again (> 0)."""
        buckets = list(buckets)
        wait = 0.0
        for key, limit in buckets:
            times = self._admitted.setdefault(key, deque())
            while times and times[0] <= now - limit.per_seconds:
                times.popleft()
            if len(times) >= limit.calls:
                # A slot frees when the call `calls` places back leaves the window. (Usually
                # times[0]; not when a test lowered the limit after calls were admitted.)
                frees_at = times[len(times) - limit.calls] + limit.per_seconds
                wait = max(wait, frees_at - now)
        if wait > 0:
            return wait
        for key, _ in buckets:
            self._admitted[key].append(now)
        return 0.0

    def clear(self) -> None:
        """Forget every admitted call (the windows start empty)."""
        self._admitted.clear()


def retry_after(wait: float) -> str:
    """The `Retry-After` header for a refusal `wait` seconds long: whole seconds (the header
    allows nothing else), rounded up so a client that honours it is admitted, at least 1.
    The tiny allowance keeps 1.0000000002 (float noise) from becoming 2."""
    return str(max(1, math.ceil(wait - 1e-6)))


class ManualClock:
    """A clock a test moves by hand (`advance`), to play rate-limit windows without sleeping:
    `FakeSlackApi(clock=clock)`, `FakeConnector(clock=clock)`."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock never goes back")
        self.now += seconds


@dataclass(frozen=True)
class UserTimezone:
    """What users.info says of a user's time zone: Slack's `tz`, `tz_label`, `tz_offset`."""

    tz: str  # IANA name
    tz_label: str
    tz_offset: int  # seconds east of UTC, at the time Slack answers (DST included)

    @classmethod
    def of(cls, tz: str, *, when: datetime | None = None, label: str | None = None) -> Self:
        """The zone `tz` as Slack would describe it at `when` (default: now), its offset from
        the tz database. Slack's label is the long name ("Pacific Daylight Time"); the database
        has only the abbreviation ("PDT"), the default here: pass `label` for the long one."""
        local = (when or datetime.now(UTC)).astimezone(ZoneInfo(tz))
        offset = local.utcoffset()
        assert offset is not None  # a ZoneInfo always has one
        return cls(tz, label or local.tzname() or tz, int(offset.total_seconds()))


# What users.info said before time zones were configurable; kept as the default so no existing
# test sees a different user.
DEFAULT_TIMEZONE = UserTimezone("Europe/London", "Greenwich Mean Time", 0)


@dataclass(frozen=True)
class _MethodLimit:
    method: str
    limit: RateLimit
    per_channel: bool  # counted per `channel` argument (chat.postMessage's 1 per second)


class SlackApiError(Exception):
    """A default answer's `ok: false`: raised inside the fake, turned into Slack's error body."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class ApiCall:
    """One request the fake received, in arrival order.

    `params` merges query string and body; JSON-valued form fields (`blocks`, `view`, ...) are
    decoded and the `token` argument is moved to `token` (as is a bearer token). `at` is the
    fake's clock on arrival (`time.monotonic()` unless the test injected a clock), for asserting
    on the spacing of calls (throttling, retries). `path` is the request path, which tells apart
    calls to different response URLs. `rate_limited` is True for a call the fake refused with a
    429 because it went over a limit set with `limit` (not for a 429 queued with `respond`).
    """

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    path: str = ""
    rate_limited: bool = False

    def __str__(self) -> str:
        shown = json.dumps(self.params, default=str, ensure_ascii=False)
        return f"{self.method} {shown if len(shown) <= 200 else shown[:197] + '...'}"


@dataclass
class Upload:
    """A file uploaded with files.getUploadURLExternal, a POST to its upload_url and
    files.completeUploadExternal (what slack_sdk's `files_upload_v2` does). `content` is None
    until the bytes arrive; `channel` stays None until the upload is completed into one."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None = None
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False

    @property
    def text(self) -> str:
        """The content as UTF-8 text (a CSV, a snippet)."""
        return (self.content or b"").decode()


@dataclass
class _Canned:
    payload: Mapping[str, Any]
    status: int
    headers: Mapping[str, str]
    remaining: int | None  # None: every later call, until clear_responses()


class FakeSlackApi:
    """The Slack Web API of the workspace in `testing.fakes.workspace`, on 127.0.0.1.

    Each method Slack knows gets a realistic default answer (see `_defaults`); arguments Slack
    requires are checked and answered with Slack's error code, so a listener that forgets a
    channel fails as it would in production. Unknown methods answer `unknown_method`.
    """

    def __init__(
        self, *, socket_mode_url: str | None = None, clock: Clock = time.monotonic
    ) -> None:
        # The fake's time (ApiCall.at, rate-limit windows); a test may inject a ManualClock
        # to play long windows without sleeping.
        self.clock = clock
        self._answers: dict[int, Answer] = {}
        self._calls: list[ApiCall] = []
        self._canned: dict[str, deque[_Canned]] = {}
        self._arrival = asyncio.Event()
        self._message_count = 0
        self._view_count = 0
        self._uploads: dict[str, Upload] = {}
        # users.info says is_admin / is_owner for these user ids (everyone else: neither).
        self.workspace_admins: set[str] = set()
        # Seconds every Web API call takes before its answer (Slack's own latency, in load tests).
        self.latency = 0.0
        self.workspace_owners: set[str] = set()
        # The scopes every token holds (auth.test's X-OAuth-Scopes); discard one to play an
        # installation made before the app asked for it.
        self.scopes: set[str] = set(BOT_SCOPES.split(","))
        # conversations.members answers from here: channel id -> member user ids, in order.
        # A channel absent here is `channel_not_found`.
        self.channel_members: dict[str, list[str]] = {}
        # Channels with C ids that are private (as Slack has made them since 2021): reading
        # their members needs groups:read rather than channels:read.
        self.private_channels: set[str] = set()
        # Channels the bot cannot post in: channel id -> the error chat.postMessage and
        # chat.postEphemeral answer there ("not_in_channel", "channel_not_found", "is_archived").
        self.unpostable: dict[str, str] = {}
        # users.info's time zone of each user, and of everyone else.
        self.timezones: dict[str, UserTimezone] = {}
        self.default_timezone = DEFAULT_TIMEZONE
        self._limits: list[_MethodLimit] = []
        self._windows = SlidingWindows()
        self._root_url: str | None = None
        self._stack = AsyncExitStack()
        # What apps.connections.open hands out; tests of Socket Mode point it at their server.
        self.socket_mode_url = socket_mode_url
        self._defaults: dict[str, Callable[[ApiCall], Answer]] = {
            "api.test": lambda call: {"ok": True, "args": call.params},
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "oauth.v2.access": self._oauth_v2_access,
            "apps.connections.open": self._apps_connections_open,
        }

    # Lifecycle -------------------------------------------------------------------------------

    async def start(self) -> Self:
        """Start serving; `async with FakeSlackApi() as api` calls this for you."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._on_api)
        app.router.add_post("/response_url/{name:.*}", self._on_response_url)
        app.router.add_post("/upload/{file_id}", self._on_upload)
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

    # Addresses -------------------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT`, no trailing slash."""
        if self._root_url is None:
            raise RuntimeError("FakeSlackApi is not running: use `async with FakeSlackApi()`")
        return self._root_url

    @property
    def base_url(self) -> str:
        """The Web API base for `AsyncWebClient(base_url=...)`; the trailing slash matters,
        because slack_sdk joins it with the method name using `urljoin`."""
        return f"{self.root_url}/api/"

    def response_url(self, name: str) -> str:
        """A response_url for a slash-command or action payload; posts to it are recorded as
        method "response_url", with `path` ending in the quoted `name`."""
        return f"{self.root_url}/response_url/{quote(name, safe='')}"

    def client(self, token: str = "xoxb-test", **kwargs: Any) -> AsyncWebClient:
        """A real AsyncWebClient pointed at this fake (keyword arguments pass through)."""
        return AsyncWebClient(token=token, base_url=self.base_url, **kwargs)

    # Configuration ---------------------------------------------------------------------------

    def respond(
        self,
        method: str,
        payload: Mapping[str, Any],
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with `payload` (JSON) and `status`.

        Canned answers queue up per method, in order, before the default answer; `times=None`
        keeps answering until `clear_responses()`. Use a 429 with `Retry-After` to exercise
        rate-limit handling. Also applies to "response_url".
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call")
        canned = _Canned(dict(payload), status, dict(headers or {}), times)
        self._canned.setdefault(method, deque()).append(canned)

    def fail(self, method: str, error: str, times: int | None = 1) -> None:
        """Answer `method` with Slack's `{"ok": false, "error": error}`: HTTP 200, as Slack does."""
        self.respond(method, {"ok": False, "error": error}, times=times)

    def clear_responses(self) -> None:
        """Forget every answer queued with `respond` or `fail`."""
        self._canned.clear()

    def limit(
        self, method: str, calls: int, per_seconds: float, *, per_channel: bool = False
    ) -> None:
        """Allow at most `calls` calls of `method` in any `per_seconds` (a sliding window) per
        token, as Slack counts per app and workspace; with `per_channel`, per token and
        `channel` argument (chat.postMessage's "1 per second per channel").

        A call over any limit of its method is answered HTTP 429 {"ok": false, "error":
        "ratelimited"} with `Retry-After` (whole seconds until a slot frees, at least 1), is
        recorded with `rate_limited=True` and does not count against the window. Limits add up:
        call `limit` twice for a per-channel and a workspace-wide limit of the same method.
        Off by default; `clear_limits()` removes them all.
        """
        self._limits.append(_MethodLimit(method, RateLimit(calls, per_seconds), per_channel))

    def limit_like_slack(self, speedup: float = 1.0) -> None:
        """Slack's documented limits on the methods the fake answers, `speedup` times faster:
        each method's tier (SLACK_METHOD_TIERS; Tier 3 is 50 calls a minute, so at speedup=60
        50 a second), and chat.postMessage's 1 per second per channel. Slack also caps
        chat.postMessage workspace-wide without publishing the number: add your own with
        `limit("chat.postMessage", ...)`."""
        for method, tier in SLACK_METHOD_TIERS.items():
            limit = slack_tier(tier, speedup=speedup)
            self.limit(method, limit.calls, limit.per_seconds)
        self.limit("chat.postMessage", 1, 1.0 / speedup, per_channel=True)

    def clear_limits(self) -> None:
        """Remove every limit and forget the calls counted against them."""
        self._limits.clear()
        self._windows.clear()

    # Queries ---------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Calls received so far, in order; only those of `method` when given."""
        return [call for call in self._calls if method is None or call.method == method]

    def last(self, method: str) -> ApiCall:
        """The latest call of `method`; AssertionError when there was none."""
        calls = self.calls(method)
        if not calls:
            raise AssertionError(f"no {method!r} call; calls seen: {self._describe_calls()}")
        return calls[-1]

    def rejected(self, method: str | None = None) -> list[ApiCall]:
        """The calls refused for going over a limit set with `limit` (answered 429), in order;
        only those of `method` when given. `calls()` lists them too, among the others."""
        return [call for call in self.calls(method) if call.rate_limited]

    def clear(self) -> None:
        """Forget the recorded calls (not the queued answers), e.g. after start-up traffic."""
        self._calls.clear()

    def uploads(self, channel: str | None = None) -> list[Upload]:
        """Files uploaded and completed so far, in order of completion; only those shared to
        `channel` when given."""
        done = [upload for upload in self._uploads.values() if upload.completed]
        return [upload for upload in done if channel is None or upload.channel == channel]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the agreed API; a deadline, not a cancel scope
        *,
        where: Callable[[ApiCall], bool] | None = None,
    ) -> list[ApiCall]:
        """Wait until at least `count` calls of `method` (matching `where`) have arrived and return
        all of them; AssertionError listing every call seen when `timeout` passes first. Calls
        refused by a rate limit count too: `where=lambda call: not call.rate_limited` skips them.

        Bolt acknowledges a request before its listener runs, so a test must wait for the
        listener's API calls; this wakes on each arrival instead of sleeping a guessed delay.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            arrival = self._arrival  # taken before checking, so no arrival is missed
            matching = [call for call in self.calls(method) if where is None or where(call)]
            if len(matching) >= count:
                return matching
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} {method!r} call(s) within {timeout:g}s, got "
                    f"{len(matching)}; calls seen: {self._describe_calls()}"
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(arrival.wait(), remaining)

    def _describe_calls(self) -> str:
        if not self._calls:
            return "none"
        return "".join(f"\n  {index}. {call}" for index, call in enumerate(self._calls, 1))

    # HTTP handlers ---------------------------------------------------------------------------

    async def _on_api(self, request: web.Request) -> web.Response:
        params = await _read_params(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        token = _take_token(request, params)
        method = request.match_info["method"]
        now = self.clock()
        wait = self._admit(method, params, token, now)
        call = self._record(method, params, token, request.path, at=now, rate_limited=wait > 0)
        if wait > 0:
            # Slack refuses before anything else, so a refused call uses no queued answer.
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": retry_after(wait)},
            )
        canned = self._next_canned(call.method)
        if canned is not None:
            return web.json_response(canned.payload, status=canned.status, headers=canned.headers)
        answer = self._answer(call)
        self._answers[id(call)] = answer
        headers = {"X-OAuth-Scopes": ",".join(sorted(self.scopes))}
        return web.json_response(answer, headers=headers if call.method == "auth.test" else None)

    def answer_of(self, call: ApiCall) -> Answer:
        """What the fake answered to `call` (its default answer; {} for a canned one), e.g. the
        `ts` it gave a posted message, which a test needs to press that message's buttons."""
        return self._answers.get(id(call), {})

    async def _on_response_url(self, request: web.Request) -> web.Response:
        # Bolt's respond() posts JSON here, as it would to hooks.slack.com.
        params = await _read_params(request)
        call = self._record(RESPONSE_URL, params, None, request.path)
        canned = self._next_canned(call.method)
        if canned is not None:
            return web.json_response(canned.payload, status=canned.status, headers=canned.headers)
        return web.json_response({"ok": True})

    def _admit(
        self, method: str, params: Mapping[str, Any], token: str | None, now: float
    ) -> float:
        """0.0 when the call fits every limit of its method (and is counted), else the seconds
        until it would."""
        buckets: list[tuple[Hashable, RateLimit]] = []
        for index, rule in enumerate(self._limits):
            if rule.method == method:
                channel = str(params.get("channel") or "") if rule.per_channel else None
                buckets.append(((index, token, channel), rule.limit))
        return self._windows.admit(buckets, now) if buckets else 0.0

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        path: str,
        *,
        at: float | None = None,
        rate_limited: bool = False,
    ) -> ApiCall:
        call = ApiCall(
            method=method,
            params=params,
            token=token,
            at=self.clock() if at is None else at,
            path=path,
            rate_limited=rate_limited,
        )
        self._calls.append(call)
        arrival, self._arrival = self._arrival, asyncio.Event()
        arrival.set()
        return call

    def _next_canned(self, method: str) -> _Canned | None:
        queue = self._canned.get(method)
        if not queue:
            return None
        canned = queue[0]
        if canned.remaining is not None:
            canned.remaining -= 1
            if canned.remaining == 0:
                queue.popleft()
        return canned

    def _answer(self, call: ApiCall) -> Answer:
        default = self._defaults.get(call.method)
        if default is None:
            return {"ok": False, "error": "unknown_method"}
        if call.token is None and call.method not in TOKENLESS_METHODS:
            return {"ok": False, "error": "not_authed"}
        needed = self._needed_scope(call)
        if needed is not None and needed not in self.scopes:
            provided = ",".join(sorted(self.scopes))
            return {"ok": False, "error": "missing_scope", "needed": needed, "provided": provided}
        try:
            return default(call)
        except SlackApiError as exc:
            return {"ok": False, "error": exc.error}

    def _needed_scope(self, call: ApiCall) -> str | None:
        if call.method in CONVERSATION_READ_METHODS:
            channel = str(call.params.get("channel") or "")
            if channel in self.private_channels:
                return CONVERSATION_READ_SCOPES["G"]
            # Unknown kinds (and a missing channel) need channels:read, the commonest.
            return CONVERSATION_READ_SCOPES.get(channel[:1], CONVERSATION_READ_SCOPES["C"])
        return REQUIRED_SCOPES.get(call.method)

    # Default answers -------------------------------------------------------------------------

    def _auth_test(self, call: ApiCall) -> Answer:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "ai_ownership_advisor",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, call: ApiCall) -> Answer:
        channel = _required(call, "channel", "channel_not_found")
        self._check_postable(channel)
        _check_message_content(call)
        ts = self._next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": _message(call, ts)}

    def _chat_update(self, call: ApiCall) -> Answer:
        channel = _required(call, "channel", "channel_not_found")
        ts = _required(call, "ts", "message_not_found")
        _check_message_content(call)
        message = _message(call, ts)
        text = message["text"]
        return {"ok": True, "channel": channel, "ts": ts, "text": text, "message": message}

    def _chat_post_ephemeral(self, call: ApiCall) -> Answer:
        self._check_postable(_required(call, "channel", "channel_not_found"))
        _required(call, "user", "user_not_in_channel")
        _check_message_content(call)
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_delete(self, call: ApiCall) -> Answer:
        channel = _required(call, "channel", "channel_not_found")
        ts = _required(call, "ts", "message_not_found")
        return {"ok": True, "channel": channel, "ts": ts}

    def _conversations_open(self, call: ApiCall) -> Answer:
        if call.params.get("channel"):
            return {"ok": True, "channel": {"id": str(call.params["channel"])}}
        users = call.params.get("users")
        user_ids = users if isinstance(users, list) else str(users or "").split(",")
        first = str(user_ids[0]).strip() if user_ids else ""
        if not first:
            raise SlackApiError("users_list_not_supplied")
        return {"ok": True, "channel": {"id": "D" + first.removeprefix("U")}}

    def _check_postable(self, channel: str) -> None:
        error = self.unpostable.get(channel)
        if error is not None:
            raise SlackApiError(error)

    def _conversations_members(self, call: ApiCall) -> Answer:
        channel = _required(call, "channel", "channel_not_found")
        members = self.channel_members.get(channel)
        if members is None:
            raise SlackApiError("channel_not_found")
        limit_argument = str(call.params.get("limit") or MEMBERS_DEFAULT_LIMIT)
        if not limit_argument.isdigit() or int(limit_argument) < 1:
            raise SlackApiError("invalid_limit")
        limit = min(int(limit_argument), MEMBERS_MAX_LIMIT)
        start = _cursor_position(str(call.params.get("cursor") or ""), members)
        page = members[start : start + limit]
        rest = members[start + limit :]
        next_cursor = _member_cursor(rest[0]) if rest else ""
        return {
            "ok": True,
            "members": list(page),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _views_publish(self, call: ApiCall) -> Answer:
        user_id = _required(call, "user_id", "invalid_arguments")
        view = _view_argument(call, expected_type="home")
        return {"ok": True, "view": _view(view, f"V0HOME{user_id.removeprefix('U')}")}

    def _views_open(self, call: ApiCall) -> Answer:
        _required(call, "trigger_id", "invalid_arguments")
        return {"ok": True, "view": _view(_view_argument(call), self._next_view_id())}

    def _views_update(self, call: ApiCall) -> Answer:
        view = _view_argument(call)
        view_id = call.params.get("view_id")
        if not view_id and not call.params.get("external_id"):
            raise SlackApiError("invalid_arguments")
        return {"ok": True, "view": _view(view, str(view_id or self._next_view_id()))}

    def _users_info(self, call: ApiCall) -> Answer:
        user_id = _required(call, "user", "user_not_found")
        name = user_id.lower()
        owner = user_id in self.workspace_owners
        timezone = self.timezones.get(user_id, self.default_timezone)
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": name,
                "deleted": False,
                "real_name": name.title(),
                "tz": timezone.tz,
                "tz_label": timezone.tz_label,
                "tz_offset": timezone.tz_offset,
                "profile": {"real_name": name.title(), "display_name": name, "team": TEAM_ID},
                "is_admin": owner or user_id in self.workspace_admins,
                "is_owner": owner,
                "is_primary_owner": False,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": False,
                "is_app_user": False,
                "updated": 1700000000,
            },
        }

    def _files_get_upload_url_external(self, call: ApiCall) -> Answer:
        filename = _required(call, "filename", "invalid_arguments")
        length = _required(call, "length", "invalid_arguments")
        if not length.isdigit() or int(length) < 1:
            raise SlackApiError("invalid_arguments")
        file_id = f"F{len(self._uploads) + 1:08d}"
        alt = call.params.get("alt_txt")
        upload = Upload(file_id, filename, int(length), str(alt) if alt else None)
        self._uploads[file_id] = upload
        return {"ok": True, "upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    async def _on_upload(self, request: web.Request) -> web.Response:
        # Slack answers the upload itself with plain text, not the Web API's JSON.
        file_id = request.match_info["file_id"]
        content = await request.read()
        self._record(FILE_UPLOAD, {"file_id": file_id, "size": len(content)}, None, request.path)
        upload = self._uploads.get(file_id)
        if upload is None or upload.completed:
            return web.Response(status=404, text="Not Found")
        upload.content = content
        return web.Response(text=f"OK - {len(content)}")

    def _files_complete_upload_external(self, call: ApiCall) -> Answer:
        files = call.params.get("files")
        if not isinstance(files, list) or not files:
            raise SlackApiError("invalid_arguments")
        uploads = [self._uploads.get(str(item.get("id"))) for item in files]
        if any(upload is None or upload.content is None for upload in uploads):
            raise SlackApiError("file_not_found")
        shown = []
        for item, upload in zip(files, uploads, strict=True):
            assert upload is not None
            upload.title = str(item.get("title") or upload.filename)
            upload.channel = call.params.get("channel_id") or None
            upload.initial_comment = call.params.get("initial_comment") or None
            upload.thread_ts = call.params.get("thread_ts") or None
            upload.completed = True
            shown.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": shown}

    def _oauth_v2_access(self, call: ApiCall) -> Answer:
        if not call.params.get("code") and call.params.get("grant_type") != "refresh_token":
            raise SlackApiError("invalid_code")
        answer: Answer = json.loads((FIXTURES_DIR / "oauth_v2_access.json").read_text())
        return answer

    def _apps_connections_open(self, call: ApiCall) -> Answer:
        url = self.socket_mode_url or f"wss://127.0.0.1:1/link/?ticket=fake&app_id={APP_ID}"
        return {"ok": True, "url": url}

    def _next_ts(self) -> str:
        # Increasing, Slack-shaped message timestamps: 1700000000.000100, 1700000000.000200, ...
        self._message_count += 1
        micros = 1_700_000_000_000_000 + 100 * self._message_count
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_view_id(self) -> str:
        self._view_count += 1
        return f"V{self._view_count:04d}"


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {"body": body})
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = value
                elif isinstance(value, bytes | bytearray):
                    params[key] = bytes(value).decode()
                else:  # an uploaded file: its name is all a test needs
                    params[key] = value.filename
    for key in JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with suppress(ValueError):  # not JSON after all: keep the text
                params[key] = json.loads(value)
    return params


def _take_token(request: web.Request, params: dict[str, Any]) -> str | None:
    # slack_sdk sends the bearer header; older clients the `token` argument. Client id and
    # secret arrive as Basic auth (oauth.v2.access): exposed as the arguments they stand for.
    token_argument = params.pop("token", None)
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            pass
        else:
            params.setdefault("client_id", client_id)
            params.setdefault("client_secret", secret)
    return str(token_argument) if token_argument else None


def _required(call: ApiCall, name: str, error: str) -> str:
    value = call.params.get(name)
    if value is None or value == "":
        raise SlackApiError(error)
    return str(value)


def _member_cursor(member: str) -> str:
    # Slack's cursors are opaque base64 naming the next item ("dXNlcjpVMDYxTkZUVDI=" is
    # "user:U061NFTT2"); naming the member rather than a position keeps a paging loop from
    # skipping or repeating anyone when someone else joins or leaves between two pages.
    return base64.b64encode(f"user:{member}".encode()).decode()


def _cursor_position(cursor: str, members: list[str]) -> int:
    """Where the page a cursor names starts; `invalid_cursor` for one this fake never gave."""
    if not cursor:
        return 0
    try:
        kind, _, member = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise SlackApiError("invalid_cursor") from None
    if kind != "user" or member not in members:
        raise SlackApiError("invalid_cursor")
    return members.index(member)


def _check_message_content(call: ApiCall) -> None:
    # Slack's own checks, which slack_sdk does not make: a message needs some content, and
    # at most 50 blocks (Block Kit model classes do not count them; plain dicts are never checked).
    blocks = call.params.get("blocks")
    if not any(call.params.get(name) for name in ("text", "blocks", "attachments")):
        raise SlackApiError("no_text")
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MESSAGE_BLOCK_LIMIT):
        raise SlackApiError("invalid_blocks")


def _message(call: ApiCall, ts: str) -> Answer:
    message: Answer = {
        "type": "message",
        "text": call.params.get("text", ""),
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "ts": ts,
    }
    for name in ("blocks", "attachments", "thread_ts", "metadata"):
        if name in call.params:
            message[name] = call.params[name]
    return message


def _view_argument(call: ApiCall, expected_type: str | None = None) -> dict[str, Any]:
    view = call.params.get("view")
    if not isinstance(view, dict):
        raise SlackApiError("invalid_arguments")
    blocks = view.get("blocks", [])
    if expected_type is not None and view.get("type") != expected_type:
        raise SlackApiError("invalid_arguments")
    if not isinstance(blocks, list) or len(blocks) > VIEW_BLOCK_LIMIT:
        raise SlackApiError("invalid_arguments")
    return view


def _view(view: Mapping[str, Any], view_id: str) -> Answer:
    """The view as Slack echoes it back: the caller's fields plus the ones Slack assigns."""
    return {
        "id": view_id,
        "team_id": TEAM_ID,
        "type": view.get("type", "modal"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"1700000000.{view_id.lower()}",
        "title": view.get("title"),
        "clear_on_close": view.get("clear_on_close", False),
        "notify_on_close": view.get("notify_on_close", False),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    }
