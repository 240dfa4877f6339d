"""Signing keys fetched against a local metadata endpoint that is fast, slow, down or rotating."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.handlers.teams.signing_keys import (
    KEYS_MAX_AGE_SECONDS,
    RETRY_AFTER_SECONDS,
    UNKNOWN_KEY_REFRESH_SECONDS,
    MetadataFetcher,
    SigningKeys,
    SigningKeysUnavailable,
    UnknownSigningKey,
    parse_key_set,
)
from testing.fakes.openid import FakeOpenIdServer
from testing.fakes.teams_activities import ChannelTokenSigner

APP_ID = "00000000-0000-0000-0000-000000000001"
FIRST = ChannelTokenSigner(APP_ID, key_id="first")
SECOND = ChannelTokenSigner(APP_ID, key_id="second")


class Clock:
    """A monotonic clock the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def openid() -> AsyncIterator[FakeOpenIdServer]:
    async with FakeOpenIdServer(FIRST) as server:
        yield server


@pytest.fixture
async def fetcher(openid: FakeOpenIdServer) -> AsyncIterator[MetadataFetcher]:
    fetch = MetadataFetcher(openid.metadata_url)
    yield fetch
    await fetch.close()


async def test_keys_are_fetched_once_and_kept(
    openid: FakeOpenIdServer, fetcher: MetadataFetcher
) -> None:
    keys = SigningKeys(fetcher)
    first = await keys.get("first")
    again = await keys.get("first")
    assert first is again
    assert first.endorsements == ("msteams",)
    assert (openid.metadata_requests, openid.key_requests) == (1, 1)


async def test_requests_waiting_for_the_first_keys_share_one_fetch(
    openid: FakeOpenIdServer, fetcher: MetadataFetcher
) -> None:
    openid.delay = 0.2
    keys = SigningKeys(fetcher)
    found = await asyncio.gather(*(keys.get("first") for _ in range(50)))
    assert len({id(key) for key in found}) == 1
    assert openid.metadata_requests == 1


async def test_random_key_ids_cannot_make_a_fetch_each(
    openid: FakeOpenIdServer, fetcher: MetadataFetcher
) -> None:
    clock = Clock()
    keys = SigningKeys(fetcher, clock)
    await keys.get("first")
    clock.now += UNKNOWN_KEY_REFRESH_SECONDS  # long enough that one unknown id may look again
    for n in range(200):
        with pytest.raises(UnknownSigningKey):
            await keys.get(f"invented-{n}")
    assert openid.metadata_requests == 2  # the first fetch, and one look for new keys
    with pytest.raises(UnknownSigningKey):
        await keys.get(None)


async def test_rotated_keys_are_found_by_their_new_id(
    openid: FakeOpenIdServer, fetcher: MetadataFetcher
) -> None:
    clock = Clock()
    keys = SigningKeys(fetcher, clock)
    await keys.get("first")
    openid.rotate(SECOND)
    clock.now += UNKNOWN_KEY_REFRESH_SECONDS
    assert (await keys.get("second")).endorsements == ("msteams",)
    with pytest.raises(UnknownSigningKey):
        await keys.get("first")  # retired with the rotation
    assert openid.metadata_requests == 2


async def test_a_slow_endpoint_times_out_without_holding_the_loop(
    openid: FakeOpenIdServer, fetcher: MetadataFetcher
) -> None:
    openid.delay = 30
    keys = SigningKeys(fetcher, timeout=0.5)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(tick())
    started = time.monotonic()
    with pytest.raises(SigningKeysUnavailable) as unavailable:
        await keys.get("first")
    elapsed = time.monotonic() - started
    ticking.cancel()
    assert 0.4 < elapsed < 3
    assert ticks > 20  # the loop kept running while the fetch waited
    assert unavailable.value.retry_after == RETRY_AFTER_SECONDS


async def test_a_down_endpoint_is_not_asked_again_until_the_retry_time(
    openid: FakeOpenIdServer, fetcher: MetadataFetcher
) -> None:
    clock = Clock()
    openid.down = True
    keys = SigningKeys(fetcher, clock)
    with pytest.raises(SigningKeysUnavailable):
        await keys.get("first")
    clock.now += 10
    for _ in range(100):
        with pytest.raises(SigningKeysUnavailable) as unavailable:
            await keys.get("first")
    assert unavailable.value.retry_after == RETRY_AFTER_SECONDS - 10
    assert openid.metadata_requests == 1
    openid.down = False
    clock.now += RETRY_AFTER_SECONDS
    assert await keys.get("first")
    assert openid.metadata_requests == 2


async def test_old_keys_serve_while_they_are_refreshed_in_the_background(
    openid: FakeOpenIdServer, fetcher: MetadataFetcher
) -> None:
    clock = Clock()
    keys = SigningKeys(fetcher, clock)
    kept = await keys.get("first")
    clock.now += KEYS_MAX_AGE_SECONDS + 1
    openid.delay = 0.3
    started = time.monotonic()
    assert await keys.get("first") is kept  # at once, not after the refresh
    assert time.monotonic() - started < 0.2
    for _ in range(100):
        await asyncio.sleep(0.02)
        if openid.key_requests == 2:
            break
    assert openid.key_requests == 2
    await asyncio.sleep(0.05)
    # A failed refresh keeps the keys in hand.
    openid.down = True
    clock.now += KEYS_MAX_AGE_SECONDS + 1
    assert await keys.get("first")
    await keys.close()


def test_a_key_set_of_the_wrong_shape_is_refused() -> None:
    for document in ({}, {"keys": "x"}, {"keys": [1, {"kid": 5}]}, {"keys": [{"kid": "k"}]}):
        with pytest.raises(ValueError, match="key"):
            parse_key_set(document)
    mixed = {"keys": [{"kid": "ec", "kty": "EC"}, FIRST.jwk]}
    assert list(parse_key_set(mixed)) == ["first"]
