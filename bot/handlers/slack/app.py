"""Build the slack-bolt app: the Web API client, single-workspace or OAuth mode, and the
listeners, routed by `dispatch`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import aiohttp
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.config import SlackConfig
from bot.handlers.slack.admin import SlackAdmin
from bot.handlers.slack.advisor import SlackAdvisor
from bot.handlers.slack.dispatch import register
from bot.handlers.slack.forget import SlackForget
from bot.handlers.slack.in_flight import InFlight
from bot.handlers.slack.oauth_state import SignedStateStore
from bot.handlers.slack.pulse import SlackPulse
from bot.handlers.slack.pulse_compare import SlackPulseCompare
from bot.handlers.slack.pulse_members import SlackMemberDirectory
from bot.handlers.slack.pulse_publisher import (
    ClientFor,
    SlackPulsePublisher,
    fixed_client,
    installed_client,
)
from bot.handlers.slack.pulse_series import SlackPulseSeries
from bot.handlers.slack.report import SlackReport
from bot.pulse.compare import PulseComparer
from bot.pulse.reminders import SLACK_PACE
from bot.pulse.runner import PulseRunner
from storage.conversations import ConversationStore
from storage.sql import SqlStorage

log = logging.getLogger(__name__)

# The minimum the app needs; manifests/slack.yml asks for the same.
BOT_SCOPES = (
    "app_mentions:read",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "groups:read",
    "im:history",
    "im:write",
    "users:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"


def web_client(
    config: SlackConfig, session: aiohttp.ClientSession, token: str | None = None
) -> AsyncWebClient:
    """The Web API client every request's client is copied from: its base URL (GovSlack, tests),
    its retry handlers (429 with Retry-After, dropped connections) and its HTTP session carry
    over. Without a shared session slack_sdk opens a new connection (a TLS handshake to Slack)
    for every call. `token`: another workspace's bot token (OAuth mode) instead of the
    configured one."""
    return AsyncWebClient(
        token=token or config.bot_token,
        base_url=config.api_url,
        session=session,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def single_workspace_authorize(
    client: AsyncWebClient, token: str
) -> Callable[..., Awaitable[AuthorizeResult]]:
    """Bolt's default calls auth.test for every request until the first answer arrives, which
    a burst after a restart turns into hundreds of calls; this asks once and remembers."""
    lock = asyncio.Lock()
    known: list[AuthorizeResult] = []

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        async with lock:
            if not known:
                response = await client.auth_test(token=token)
                known.append(
                    AuthorizeResult.from_auth_test_response(
                        auth_test_response=response, bot_token=token
                    )
                )
        return known[0]

    return authorize


@dataclass
class SlackApp:
    bolt: AsyncApp
    in_flight: InFlight
    session: aiohttp.ClientSession
    pulse: SlackPulse  # its answer listener also serves the short path (see fast_answer)

    async def close(self) -> None:
        await self.session.close()


def build_slack_app(config: SlackConfig, app: App, runner: PulseRunner) -> SlackApp:
    """The bolt app, and the survey publisher registered with `runner`; call inside the
    running event loop (it opens the HTTP session)."""
    session = aiohttp.ClientSession()
    client = web_client(config, session)
    bolt, store = _bolt_app(config, client, app.storage)
    client_for: ClientFor = fixed_client(client)
    if store is not None:
        client_for = installed_client(store, lambda token: web_client(config, session, token))
    publisher = SlackPulsePublisher(app.pulse, client_for)
    runner.register("slack", publisher)
    runner.register_directory("slack", SlackMemberDirectory(client_for), SLACK_PACE)
    in_flight = InFlight()
    advisor = SlackAdvisor(app.service, app.storage.lifecycle, store)
    forget = SlackForget(app.forget, app.service.first_delivery)
    series = SlackPulseSeries(app.series, app.pulse, runner, publisher)
    pulse = SlackPulse(app.pulse, runner, publisher, series)
    report = SlackReport(app.service)
    compare = SlackPulseCompare(app.pulse, PulseComparer(app.pulse, app.service, app.live.current))
    register(bolt, advisor, pulse, in_flight, SlackAdmin(app.admin), forget, report, compare)
    return SlackApp(bolt, in_flight, session, pulse)


def _bolt_app(
    config: SlackConfig, client: AsyncWebClient, storage: SqlStorage
) -> tuple[AsyncApp, AsyncSQLAlchemyInstallationStore | None]:
    """Single-workspace (one bot token) or OAuth (an installation per workspace) mode.

    Bolt's own signature check is off: every HTTP request reaches bolt through
    `SignedRequests`, which checks the signature once, on the raw bytes, before anything is
    parsed; Socket Mode requests carry none (the socket is the authentication)."""
    store = None
    with _quiet_token_warnings():
        if config.oauth:
            store = AsyncSQLAlchemyInstallationStore(
                client_id=config.client_id or "", engine=storage.database.engine
            )
            settings = _oauth_settings(config, store, storage.conversations)
            flow = AsyncOAuthFlow(client=client, settings=settings)
            app = AsyncApp(
                signing_secret=config.signing_secret,
                client=client,
                oauth_flow=flow,
                request_verification_enabled=False,  # SignedRequests checked it already
            )
        else:
            authorize = single_workspace_authorize(client, config.bot_token or "")
            app = AsyncApp(
                signing_secret=config.signing_secret,
                client=client,
                authorize=authorize,
                request_verification_enabled=False,  # SignedRequests checked it already
            )
    return app, store


@contextmanager
def _quiet_token_warnings() -> Iterator[None]:
    """AsyncApp also reads SLACK_BOT_TOKEN from the environment by itself and then warns that
    the client we pass wins; that is exactly our intent, so those two warnings are dropped."""

    def keep(record: logging.LogRecord) -> bool:
        return "token" not in record.getMessage().lower()

    framework = logging.getLogger("slack_bolt.AsyncApp")
    filter_ = logging.Filter()
    filter_.filter = keep  # type: ignore[method-assign]
    framework.addFilter(filter_)
    try:
        yield
    finally:
        framework.removeFilter(filter_)


def _oauth_settings(
    config: SlackConfig, store: AsyncSQLAlchemyInstallationStore, repository: ConversationStore
) -> AsyncOAuthSettings:
    return AsyncOAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=SignedStateStore(config.state_secret or "", repository),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=config.redirect_uri,
        authorization_url=authorization_url(config.api_url),
    )


def authorization_url(api_url: str) -> str:
    """Slack's authorize page beside its Web API (slack.com, slack-gov.com, or a test fake)."""
    root = api_url.removesuffix("/").removesuffix("/api")
    return f"{root}/oauth/v2/authorize"
