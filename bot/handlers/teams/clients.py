"""Bot Framework authentication that reuses its outbound clients from turn to turn.

`CloudAdapter` asks its `BotFrameworkAuthentication` for a new `ConnectorClient` (to send the
replies) and a new user token client (for sign-in prompts) on every incoming activity. Each
one builds an msrest configuration, a retry policy (which alone costs milliseconds of CPU),
and a `requests` session with its own connection pool, so every turn also opened a new
connection to the connector, a TLS handshake against the real one. The earlier
`BotFrameworkAdapter` of the same SDK kept its connector clients per service URL; this does
the same for `CloudAdapter`, and everything else (token checks, caller ids, credentials) is
left to the SDK's own authentication, which it wraps. The connector clients it builds send
Adaptive Cards without msrest walking them (`card_body`).

Sharing is safe: a client holds no per-turn state, its credentials fetch and refresh tokens
themselves, and msrest's requests sender is built to be called from several threads. Clients
are kept per bot app id, service URL and audience, so a client never carries another bot's
credentials.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

from bot.handlers.teams.card_body import pass_cards_through
from bot.handlers.teams.signing_keys import SigningKeysUnavailable

T = TypeVar("T")

# Service URLs are few (one per region in production); the Emulator may use any, so the
# cache is bounded and the least recently used client is closed when it is full.
MOST_CLIENTS = 32


class _Reused(Generic[T]):
    """A small least-recently-used map of built clients."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("keep at least one client")
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, ...], T] = OrderedDict()

    async def get(self, key: tuple[str, ...], build: Callable[[], Awaitable[T]]) -> T:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
            return item
        item = await build()
        # Two turns may have built the same client at once; keep the first, drop the other.
        kept = self._items.setdefault(key, item)
        if kept is not item:
            await _close(item)
        while len(self._items) > self._capacity:
            _, evicted = self._items.popitem(last=False)
            await _close(evicted)
        return kept

    async def close(self) -> None:
        items = list(self._items.values())
        self._items.clear()
        for item in items:
            await _close(item)


async def _close(client: object) -> None:
    """Close a client's HTTP session (msrest clients are async context managers)."""
    exit_ = getattr(client, "__aexit__", None)
    if exit_ is not None:
        await exit_(None, None, None)


@contextmanager
def _refusals_as_permission_errors() -> Iterator[None]:
    """A token the SDK refuses is a 401, however it refuses it.

    It raises PermissionError (which its adapter answers with 401) for most refusals, but a
    bare `Exception` for an unendorsed channel or a disallowed algorithm, and PyJWT's errors
    for a token it cannot parse or verify: all are the caller's bad token, not a failure of
    ours. Keys that cannot be fetched are neither, and pass through (a 503)."""
    try:
        yield
    except (PermissionError, SigningKeysUnavailable):
        raise
    except Exception as error:
        raise PermissionError(f"token refused ({type(error).__name__})") from error


def _bot_app_id(claims: ClaimsIdentity) -> str:
    """The bot's app id a request was addressed to (the SDK's own rule: the audience claim
    from a channel, the appid claim from the Emulator, none when unauthenticated)."""
    app_id = claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if app_id is None:
        app_id = claims.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return str(app_id or "")


class _ReusingConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(self, inner: Any, app_id: str, clients: _Reused[Any]) -> None:
        self._inner = inner
        self._app_id = app_id
        self._clients = clients

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (self._app_id, service_url, audience or "")

        async def build() -> Any:
            return pass_cards_through(await self._inner.create(service_url, audience))

        return await self._clients.get(key, build)


class ReusingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]  # untyped SDK
    """`inner` with connector and user token clients kept per bot, service URL and audience."""

    def __init__(self, inner: Any, capacity: int = MOST_CLIENTS) -> None:
        self._inner = inner
        self._connectors: _Reused[Any] = _Reused(capacity)
        self._token_clients: _Reused[Any] = _Reused(capacity)

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        with _refusals_as_permission_errors():
            result = await self._inner.authenticate_request(activity, auth_header)
        return self._reusing(result)

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        with _refusals_as_permission_errors():
            result = await self._inner.authenticate_streaming_request(
                auth_header, channel_id_header
            )
        return self._reusing(result)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> Any:
        inner = self._inner.create_connector_factory(claims_identity)
        return _ReusingConnectorFactory(inner, _bot_app_id(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        return await self._token_clients.get(
            (_bot_app_id(claims_identity),),
            lambda: self._inner.create_user_token_client(claims_identity),
        )

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        with _refusals_as_permission_errors():
            return await self._inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        await self._connectors.close()
        await self._token_clients.close()

    def _reusing(self, result: AuthenticateRequestResult) -> AuthenticateRequestResult:
        if result.connector_factory is not None:
            result.connector_factory = _ReusingConnectorFactory(
                result.connector_factory, _bot_app_id(result.claims_identity), self._connectors
            )
        return result
