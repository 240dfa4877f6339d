"""The Bot Framework's token-signing keys, fetched without ever blocking the event loop.

Every request to /api/messages carries a JWT that botbuilder checks against signing keys it
downloads from an OpenID metadata document (login.botframework.com for Teams). The SDK's own
downloader (`_OpenIdMetadata` in botframework-connector 4.17) calls `requests.get` with no
timeout on the event loop, refetches on every request while a fetch keeps failing, and crashes
on a key id it does not know. Any JWT-shaped token naming the Bot Framework as issuer reaches
it, so one forged request could freeze the whole server while that endpoint is slow.

This module replaces only that downloader; botbuilder still checks the signature, issuer,
audience, expiry, endorsements and serviceUrl claim. Here keys are:

- fetched with aiohttp and a timeout, by one task shared by every request waiting for them;
- cached by key id and refreshed in the background once a day, the old keys serving meanwhile;
- refreshed for a key id not in the set (Microsoft rotates keys) at most once every
  `UNKNOWN_KEY_REFRESH_SECONDS`, so random key ids cannot make a fetch each;
- after a failed fetch with nothing cached, unavailable for `RETRY_AFTER_SECONDS`: requests
  get 503 with Retry-After rather than a new fetch each.

A token whose key id is still unknown is refused as an invalid token (401).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

from bot.observability import record

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 5.0
KEYS_MAX_AGE_SECONDS = 24 * 3600.0
UNKNOWN_KEY_REFRESH_SECONDS = 300.0
RETRY_AFTER_SECONDS = 30
# The metadata and key documents are a few kilobytes; anything far larger is not them.
MOST_DOCUMENT_BYTES = 512 * 1024
MOST_KEYS = 100


class SigningKeysUnavailable(Exception):
    """The keys could not be fetched and none are cached: the token cannot be checked now."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"signing keys unavailable; retry after {retry_after} s")
        self.retry_after = retry_after


class UnknownSigningKey(jwt.InvalidTokenError):
    """The token names a key id the issuer does not publish (a forgery, or long expired)."""


@dataclass(frozen=True)
class SigningKey:
    """What botbuilder reads of a key (`public_key`, `endorsements`: the SDK's names)."""

    public_key: Any
    endorsements: tuple[str, ...]


Fetch = Callable[[], Awaitable[dict[str, SigningKey]]]


class SigningKeys:
    """The keys published at one OpenID metadata URL; `get` is what botbuilder calls."""

    def __init__(
        self,
        fetch: Fetch,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = FETCH_TIMEOUT_SECONDS,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._timeout = timeout
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._failed_at: float | None = None
        self._refreshing: asyncio.Task[None] | None = None

    async def get(self, key_id: str | None) -> SigningKey:
        now = self._clock()
        if not self._keys:
            await self._first_keys(now)
        elif self._age(now) > KEYS_MAX_AGE_SECONDS:
            self._refresh()  # in the background: the keys in hand still serve meanwhile
        key = self._keys.get(key_id) if key_id else None
        if key is None and key_id and self._may_look_for_new_keys(now):
            await self._wait(self._refresh())
            key = self._keys.get(key_id)
        if key is None:
            raise UnknownSigningKey("the token's key id is not among the issuer's keys")
        return key

    async def warm(self) -> None:
        """Fetch the keys before the first request needs them (failures are logged only)."""
        if not self._keys:
            await asyncio.shield(self._refresh())

    async def close(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)

    def _age(self, now: float) -> float:
        return float("inf") if self._fetched_at is None else now - self._fetched_at

    async def _first_keys(self, now: float) -> None:
        if self._failed_at is not None and now - self._failed_at < RETRY_AFTER_SECONDS:
            raise SigningKeysUnavailable(
                _retry_after(RETRY_AFTER_SECONDS - (now - self._failed_at))
            )
        await self._wait(self._refresh())
        if not self._keys:
            raise SigningKeysUnavailable(RETRY_AFTER_SECONDS)

    def _may_look_for_new_keys(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= UNKNOWN_KEY_REFRESH_SECONDS

    def _refresh(self) -> asyncio.Task[None]:
        """The refresh under way, or a new one: never two at once."""
        if self._refreshing is None or self._refreshing.done():
            self._attempted_at = self._clock()
            self._refreshing = asyncio.get_running_loop().create_task(self._fetch_and_keep())
        return self._refreshing

    async def _wait(self, refresh: asyncio.Task[None]) -> None:
        # Shielded: a request that gives up (its client went away) does not cancel the fetch
        # the others are waiting for.
        await asyncio.shield(refresh)

    async def _fetch_and_keep(self) -> None:
        try:
            keys = await self._fetch_within_time()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            self._failed_at = self._clock()
            record.error("teams_signing_keys")
            log.warning(
                "teams signing keys not fetched (%s); %s",
                type(error).__name__,
                "keeping the keys in hand" if self._keys else "tokens cannot be checked yet",
            )
            return
        self._keys = keys
        self._fetched_at = self._clock()
        self._failed_at = None
        log.info("teams signing keys fetched keys=%d", len(keys))

    async def _fetch_within_time(self) -> dict[str, SigningKey]:
        async with asyncio.timeout(self._timeout):
            return await self._fetch()


def _retry_after(seconds: float) -> int:
    return max(1, int(seconds + 0.999))


class MetadataFetcher:
    """Downloads an OpenID metadata document, then the key set its `jwks_uri` names."""

    def __init__(self, metadata_url: str) -> None:
        self._metadata_url = metadata_url
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self) -> dict[str, SigningKey]:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
            self._session = aiohttp.ClientSession(timeout=timeout)
        metadata = await self._document(self._session, self._metadata_url)
        keys_url = metadata.get("jwks_uri")
        if not isinstance(keys_url, str) or not keys_url.startswith(("https://", "http://")):
            raise ValueError("the metadata names no jwks_uri")
        return parse_key_set(await self._document(self._session, keys_url))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    @staticmethod
    async def _document(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
        async with session.get(url, allow_redirects=False) as response:
            response.raise_for_status()
            body = await response.content.read(MOST_DOCUMENT_BYTES + 1)
        if len(body) > MOST_DOCUMENT_BYTES:
            raise ValueError("the document is larger than a key set can be")
        document = json.loads(body)
        if not isinstance(document, dict):
            raise ValueError("the document is not a JSON object")
        return document


def parse_key_set(document: Mapping[str, Any]) -> dict[str, SigningKey]:
    """The RSA keys of a JWKS document by key id; keys of other kinds or shapes are skipped."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise ValueError("the key set has no keys")
    keys: dict[str, SigningKey] = {}
    for entry in entries[:MOST_KEYS]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(entry))
        except (jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            continue
        endorsements = entry.get("endorsements", [])
        if not isinstance(endorsements, list):
            endorsements = []
        keys[entry["kid"]] = SigningKey(
            public_key, tuple(item for item in endorsements if isinstance(item, str))
        )
    if not keys:
        raise ValueError("the key set holds no usable key")
    return keys


class SigningKeyRegistry:
    """The keys of every metadata URL botbuilder asks for (a handful of fixed URLs).

    `redirect` sends the Bot Framework channel's metadata URL elsewhere (a sovereign cloud's
    mirror, or a local server in tests)."""

    def __init__(self, redirect: Mapping[str, str] | None = None) -> None:
        self._redirect = dict(redirect or {})
        self._fetchers: dict[str, MetadataFetcher] = {}
        self._keys: dict[str, SigningKeys] = {}

    def for_url(self, metadata_url: str) -> SigningKeys:
        keys = self._keys.get(metadata_url)
        if keys is None:
            fetcher = MetadataFetcher(self._redirect.get(metadata_url, metadata_url))
            keys = self._keys[metadata_url] = SigningKeys(fetcher)
            self._fetchers[metadata_url] = fetcher
        return keys

    async def close(self) -> None:
        for keys in self._keys.values():
            await keys.close()
        for fetcher in self._fetchers.values():
            await fetcher.close()


def take_keys_from(registry: SigningKeyRegistry) -> Callable[[], None]:
    """From now on botbuilder's token checks take their keys from `registry`; returns what
    puts the SDK's own downloader back.

    botbuilder builds a `JwtTokenExtractor` per request and asks the class for the metadata of
    a URL: that lookup is the one thing replaced (process-wide, as the SDK's cache is)."""
    previous = JwtTokenExtractor.__dict__["get_open_id_metadata"]
    JwtTokenExtractor.get_open_id_metadata = staticmethod(registry.for_url)

    def restore() -> None:
        JwtTokenExtractor.get_open_id_metadata = previous

    return restore
