"""FakeSlackApi's rate limits, member lists, unpostable channels and time zones, against
slack_sdk's real AsyncWebClient: what a fan-out of reminders to a channel's members will meet.

Limits over long windows run on a ManualClock, so the tests wait for nothing; one test per
behaviour runs on the real clock with slack_sdk's own retry handler, to prove a client that
honours Retry-After gets through.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

from testing.fakes.slack_api import (
    FakeSlackApi,
    ManualClock,
    RateLimit,
    SlidingWindows,
    UserTimezone,
    retry_after,
    slack_tier,
)
from testing.fakes.workspace import DM_CHANNEL, GENERAL_CHANNEL, USER_ID

MEMBERS = [f"U{number:08d}" for number in range(1, 2001)]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def api(clock: ManualClock) -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(clock=clock) as running:
        yield running


async def refused(call: Awaitable[Any]) -> SlackApiError:
    """The SlackApiError a call raises (it must raise one)."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value


# The sliding window itself -------------------------------------------------------------------


def test_a_window_admits_a_burst_then_frees_one_slot_per_expired_call() -> None:
    windows = SlidingWindows()
    limit = RateLimit(calls=2, per_seconds=10.0)

    assert windows.admit([("k", limit)], now=0.0) == 0.0
    assert windows.admit([("k", limit)], now=4.0) == 0.0
    assert windows.admit([("k", limit)], now=5.0) == pytest.approx(5.0)  # until 0.0 + 10
    assert windows.admit([("other", limit)], now=5.0) == 0.0  # another bucket, its own window
    assert windows.admit([("k", limit)], now=10.0) == 0.0  # the call at 0.0 left the window
    assert windows.admit([("k", limit)], now=10.5) == pytest.approx(3.5)  # until 4.0 + 10


def test_a_call_must_fit_every_bucket_and_a_refusal_counts_in_none() -> None:
    windows = SlidingWindows()
    short, long = RateLimit(1, 1.0), RateLimit(2, 60.0)

    assert windows.admit([("a", short), ("b", long)], now=0.0) == 0.0
    assert windows.admit([("a", short), ("b", long)], now=0.5) == pytest.approx(0.5)
    assert windows.admit([("b", long)], now=0.5) == 0.0  # the refusal above took no slot of b
    # Both full now: the wait is the longer of the two.
    assert windows.admit([("a", short), ("b", long)], now=0.6) == pytest.approx(59.4)


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one() -> None:
    assert [retry_after(wait) for wait in (0.001, 1.0, 1.0000000002, 1.01, 59.4)] == [
        "1",
        "1",
        "1",
        "2",
        "60",
    ]


def test_rate_limits_must_make_sense_and_scale() -> None:
    with pytest.raises(ValueError, match="calls >= 1"):
        RateLimit(0, 1.0)
    with pytest.raises(ValueError, match="per_seconds > 0"):
        RateLimit(1, 0.0)
    assert slack_tier(3) == RateLimit(50, 60.0)
    assert slack_tier(4, speedup=60) == RateLimit(100, 1.0)
    assert RateLimit(7, 1.0).scaled(10) == RateLimit(7, 0.1)


# Enforcement over HTTP ------------------------------------------------------------------------


async def test_limits_are_off_by_default(api: FakeSlackApi) -> None:
    client = api.client()
    posts = [client.chat_postMessage(channel=DM_CHANNEL, text=f"{n}") for n in range(200)]

    answers = await asyncio.gather(*posts)

    assert all(answer["ok"] for answer in answers)
    assert api.rejected() == []


async def test_over_the_limit_slack_answers_429_ratelimited_with_retry_after(
    api: FakeSlackApi, clock: ManualClock
) -> None:
    api.limit("chat.postMessage", calls=3, per_seconds=10.0)
    client = api.client()
    for n in range(3):
        await client.chat_postMessage(channel=DM_CHANNEL, text=f"{n}")

    error = await refused(client.chat_postMessage(channel=DM_CHANNEL, text="one too many"))

    assert error.response.status_code == 429
    assert error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "10"
    [rejected] = api.rejected("chat.postMessage")
    assert rejected.params["text"] == "one too many"
    assert rejected.rate_limited
    assert len(api.calls("chat.postMessage")) == 4  # refused calls are traffic too
    # Other methods are not limited by it.
    assert (await client.conversations_open(users=USER_ID))["ok"]

    clock.advance(9.5)
    error = await refused(client.chat_postMessage(channel=DM_CHANNEL, text="too early"))
    assert error.response.headers["Retry-After"] == "1"  # 0.5 s, rounded up
    clock.advance(0.5)
    assert (await client.chat_postMessage(channel=DM_CHANNEL, text="in time"))["ok"]
    assert [call.at for call in api.rejected()] == [1000.0, 1009.5]  # the injected clock


async def test_limits_count_per_token_and_per_channel_when_asked(
    api: FakeSlackApi, clock: ManualClock
) -> None:
    api.limit("chat.postMessage", calls=1, per_seconds=1.0, per_channel=True)
    api.limit("chat.postMessage", calls=4, per_seconds=60.0)  # and a workspace-wide cap
    client, other_workspace = api.client(), api.client(token="xoxb-other")

    for channel in ("D1", "D2", "D3"):
        await client.chat_postMessage(channel=channel, text="hi")  # one each: all fit
    await other_workspace.chat_postMessage(channel="D1", text="hi")  # its own windows

    same_channel = await refused(client.chat_postMessage(channel="D1", text="again"))
    assert same_channel.response.headers["Retry-After"] == "1"
    clock.advance(1.0)
    await client.chat_postMessage(channel="D1", text="a second later, the fourth")
    workspace_cap = await refused(client.chat_postMessage(channel="D5", text="a fifth"))
    assert workspace_cap.response.headers["Retry-After"] == "59"
    assert len(api.rejected()) == 2


async def test_a_refused_call_does_not_use_up_a_queued_answer(api: FakeSlackApi) -> None:
    api.limit("users.info", calls=1, per_seconds=60.0)
    api.fail("users.info", "user_not_found")
    client = api.client()

    await refused(client.users_info(user=USER_ID))  # the queued failure
    limited = await refused(client.users_info(user=USER_ID))

    assert limited.response["error"] == "ratelimited"
    api.clear_limits()
    assert (await client.users_info(user=USER_ID))["ok"]  # no queued answer was left


async def test_limit_like_slack_applies_the_tiers_and_one_post_per_second_per_channel(
    api: FakeSlackApi, clock: ManualClock
) -> None:
    api.limit_like_slack(speedup=60)  # a minute lasts a second
    client = api.client()

    for n in range(50):  # conversations.open is Tier 3: 50 a minute
        await client.conversations_open(users=f"U{n}")
    error = await refused(client.conversations_open(users="U50"))
    assert error.response.status_code == 429

    await client.chat_postMessage(channel="D1", text="hi")
    await refused(client.chat_postMessage(channel="D1", text="within 1/60 s"))
    await client.chat_postMessage(channel="D2", text="another channel")
    clock.advance(1 / 60)
    await client.chat_postMessage(channel="D1", text="a (scaled) second later")
    assert (await client.auth_test())["ok"]  # methods without a documented tier stay free


async def test_a_client_that_honours_retry_after_gets_every_call_through() -> None:
    """On the real clock, slack_sdk's own rate-limit handler (waits Retry-After, about 1 s)."""
    async with FakeSlackApi() as api:
        api.limit("chat.postMessage", calls=2, per_seconds=1.0)
        client = api.client(retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])

        answers = await asyncio.gather(
            *(client.chat_postMessage(channel=f"D{n}", text="reminder") for n in range(3))
        )

    assert all(answer["ok"] for answer in answers)
    [refusal] = api.rejected()
    [retry] = [
        call
        for call in api.calls("chat.postMessage")
        if call.params["channel"] == refusal.params["channel"] and not call.rate_limited
    ]
    assert retry.at - refusal.at >= 1.0
    accepted = [call.at for call in api.calls("chat.postMessage") if not call.rate_limited]
    assert len(accepted) == 3
    assert accepted[2] - accepted[0] >= 1.0  # never 3 in one second


# conversations.members ------------------------------------------------------------------------


async def test_members_are_paginated_and_each_comes_exactly_once(api: FakeSlackApi) -> None:
    api.scopes.add("channels:read")
    api.channel_members[GENERAL_CHANNEL] = MEMBERS
    client = api.client()

    # slack_sdk's async iteration follows next_cursor; it reuses one response object, so
    # take what each page holds as it comes.
    pages: list[tuple[list[str], str]] = []
    async for page in await client.conversations_members(channel=GENERAL_CHANNEL, limit=150):
        pages.append((page["members"], page["response_metadata"]["next_cursor"]))

    assert [member for members, _ in pages for member in members] == MEMBERS
    assert [len(members) for members, _ in pages] == [150] * 13 + [50]
    assert [bool(cursor) for _, cursor in pages] == [True] * 13 + [False]  # "" on the last
    cursors = [call.params.get("cursor") for call in api.calls("conversations.members")]
    assert cursors[0] is None
    assert cursors[1:] == [cursor for _, cursor in pages[:-1]]


async def test_members_page_size_defaults_to_100_and_stops_at_1000(api: FakeSlackApi) -> None:
    api.scopes.add("channels:read")
    api.channel_members[GENERAL_CHANNEL] = MEMBERS
    client = api.client()

    default = await client.conversations_members(channel=GENERAL_CHANNEL)
    biggest = await client.conversations_members(channel=GENERAL_CHANNEL, limit=5000)
    rest = await client.conversations_members(
        channel=GENERAL_CHANNEL, limit=5000, cursor=biggest["response_metadata"]["next_cursor"]
    )

    assert default["members"] == MEMBERS[:100]
    assert biggest["members"] == MEMBERS[:1000]
    assert rest["members"] == MEMBERS[1000:]
    assert rest["response_metadata"] == {"next_cursor": ""}


async def test_members_arguments_are_checked_like_slack(api: FakeSlackApi) -> None:
    api.scopes.add("channels:read")
    api.channel_members[GENERAL_CHANNEL] = MEMBERS[:3]
    client = api.client()

    errors = [
        (await refused(call)).response["error"]
        for call in (
            client.conversations_members(channel="C0UNKNOWN"),
            client.conversations_members(channel=GENERAL_CHANNEL, limit=0),
            client.conversations_members(channel=GENERAL_CHANNEL, cursor="not-a-cursor"),
            client.conversations_members(channel=GENERAL_CHANNEL, cursor="dXNlcjpVMDYxTkZUVDI="),
        )
    ]

    assert errors == ["channel_not_found", "invalid_limit", "invalid_cursor", "invalid_cursor"]
    # A roster that changed between two pages: the cursor names a member, not a position.
    first = await client.conversations_members(channel=GENERAL_CHANNEL, limit=1)
    api.channel_members[GENERAL_CHANNEL] = ["U0NEWCOMER", *MEMBERS[:3]]
    second = await client.conversations_members(
        channel=GENERAL_CHANNEL, cursor=first["response_metadata"]["next_cursor"]
    )
    assert second["members"] == MEMBERS[1:3]


async def test_members_need_the_read_scope_of_the_conversations_kind(api: FakeSlackApi) -> None:
    private, modern_private = "G0PRIVATE", "C0PRIVATE"
    for channel in (GENERAL_CHANNEL, private, modern_private, DM_CHANNEL):
        api.channel_members[channel] = MEMBERS[:2]
    api.private_channels.add(modern_private)
    client = api.client()

    # An installation from before the manifest asked for channels:read and groups:read.
    api.scopes -= {"channels:read", "groups:read"}
    public_error = await refused(client.conversations_members(channel=GENERAL_CHANNEL))
    assert (public_error.response["error"], public_error.response["needed"]) == (
        "missing_scope",
        "channels:read",
    )
    for channel in (private, modern_private):
        error = await refused(client.conversations_members(channel=channel))
        assert error.response["needed"] == "groups:read"
    api.scopes.discard("im:read")  # (the fake's token holds it; the manifest does not ask)
    dm_error = await refused(client.conversations_members(channel=DM_CHANNEL))
    assert dm_error.response["needed"] == "im:read"

    api.scopes |= {"channels:read", "groups:read", "im:read"}
    for channel in (GENERAL_CHANNEL, private, modern_private, DM_CHANNEL):
        assert (await client.conversations_members(channel=channel))["members"] == MEMBERS[:2]


async def test_paging_within_a_limit_with_retries() -> None:
    """2,000 members at the largest page under a limit that refuses one page: retried, every
    member once. Real clock: slack_sdk's handler sleeps the Retry-After."""
    async with FakeSlackApi() as api:
        api.scopes.add("channels:read")
        api.channel_members[GENERAL_CHANNEL] = MEMBERS
        api.limit("conversations.members", calls=1, per_seconds=1.0)
        client = api.client(retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])

        first = await client.conversations_members(channel=GENERAL_CHANNEL, limit=1000)
        seen = [member async for page in first for member in page["members"]]

    assert seen == MEMBERS
    assert len(api.rejected("conversations.members")) == 1


# Channels the bot cannot post in, and users' time zones ------------------------------------------


async def test_unpostable_channels_answer_their_error(api: FakeSlackApi) -> None:
    api.unpostable["C0LEFT"] = "not_in_channel"
    api.unpostable["C0GONE"] = "channel_not_found"
    api.unpostable["C0OLD"] = "is_archived"
    client = api.client()

    errors = [
        (await refused(client.chat_postMessage(channel=channel, text="hi"))).response["error"]
        for channel in ("C0LEFT", "C0GONE", "C0OLD")
    ]
    ephemeral = await refused(client.chat_postEphemeral(channel="C0LEFT", user=USER_ID, text="x"))

    assert errors == ["not_in_channel", "channel_not_found", "is_archived"]
    assert ephemeral.response["error"] == "not_in_channel"
    assert (await client.chat_postMessage(channel=GENERAL_CHANNEL, text="hi"))["ok"]


async def test_users_info_gives_each_users_time_zone(api: FakeSlackApi) -> None:
    winter, summer = datetime(2025, 1, 15, tzinfo=UTC), datetime(2025, 7, 15, tzinfo=UTC)
    api.timezones["U0WEST"] = UserTimezone.of("America/Los_Angeles", when=winter)
    api.timezones["U0EAST"] = UserTimezone.of(
        "Asia/Kolkata", when=summer, label="India Standard Time"
    )
    client = api.client()

    default = (await client.users_info(user=USER_ID))["user"]
    west = (await client.users_info(user="U0WEST"))["user"]
    east = (await client.users_info(user="U0EAST"))["user"]

    # Everyone not configured keeps what users.info always said.
    assert (default["tz"], default["tz_label"], default["tz_offset"]) == (
        "Europe/London",
        "Greenwich Mean Time",
        0,
    )
    assert (west["tz"], west["tz_label"], west["tz_offset"]) == (
        "America/Los_Angeles",
        "PST",
        -8 * 3600,
    )
    assert (east["tz"], east["tz_label"], east["tz_offset"]) == (
        "Asia/Kolkata",
        "India Standard Time",
        19800,
    )
    assert UserTimezone.of("America/Los_Angeles", when=summer).tz_offset == -7 * 3600
    api.default_timezone = UserTimezone.of("America/New_York", when=winter)
    assert (await client.users_info(user=USER_ID))["user"]["tz_offset"] == -5 * 3600
