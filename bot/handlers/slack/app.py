"""Build the slack-bolt app: the Web API client, single-workspace or OAuth mode, the
de-duplication middleware, and the listener routes."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackConfig
from bot.handlers.slack import ids
from bot.handlers.slack.listeners import SlackAdvisor
from bot.handlers.slack.oauth_state import SignedStateStore
from bot.service import AdvisorService
from storage.sql import SqlRepository

log = logging.getLogger(__name__)

SLASH_COMMAND = "/ai-owner"
# The minimum the app needs; manifests/slack.yml asks for the same.
BOT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "im:history",
    "im:write",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"


def web_client(config: SlackConfig) -> AsyncWebClient:
    """The Web API client every request's client is copied from: its base URL (GovSlack, tests)
    and its retry handlers (429 with Retry-After, dropped connections) carry over."""
    return AsyncWebClient(
        token=config.bot_token,
        base_url=config.api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


class InFlight:
    """The listener tasks still running after their ack, so a shutdown can let them finish
    instead of cutting a reply (or a database write) in half."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def track(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        # functools.wraps keeps the signature bolt reads to inject arguments by name.
        @functools.wraps(listener)
        async def tracked(*args: Any, **kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            try:
                await listener(*args, **kwargs)
            finally:
                if task is not None:
                    self._tasks.discard(task)

        return tracked

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for running listeners; the number still running."""
        pending = {task for task in self._tasks if task is not asyncio.current_task()}
        if not pending:
            return 0
        _, still_running = await asyncio.wait(pending, timeout=seconds)
        return len(still_running)


@dataclass
class SlackApp:
    bolt: AsyncApp
    in_flight: InFlight


def build_slack_app(
    config: SlackConfig, service: AdvisorService, repository: SqlRepository
) -> SlackApp:
    client = web_client(config)
    store = None
    if config.oauth:
        store = AsyncSQLAlchemyInstallationStore(
            client_id=config.client_id or "", engine=repository.engine
        )
        flow = AsyncOAuthFlow(client=client, settings=_oauth_settings(config, store, repository))
        app = AsyncApp(signing_secret=config.signing_secret, client=client, oauth_flow=flow)
    else:
        app = AsyncApp(signing_secret=config.signing_secret, client=client)
    app.middleware(deduplicate(repository))
    in_flight = InFlight()
    register(app, SlackAdvisor(service, repository, store), in_flight)
    return SlackApp(app, in_flight)


def _oauth_settings(
    config: SlackConfig, store: AsyncSQLAlchemyInstallationStore, repository: SqlRepository
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


def register(app: AsyncApp, advisor: SlackAdvisor, in_flight: InFlight) -> None:
    """Every route of the Slack app, in one list."""
    track = in_flight.track
    app.command(SLASH_COMMAND)(track(advisor.on_command))
    app.action(ids.ANSWER_ACTION)(track(advisor.on_answer))
    app.action(ids.COMMAND_ACTION)(track(advisor.on_command_button))
    app.action(ids.SHARE_ACTION)(track(advisor.on_share_button))
    app.action(ids.ASK_ACTION)(track(advisor.on_ask_button))
    app.view(ids.SHARE_VIEW)(track(advisor.on_share_submitted))
    app.view(ids.ASK_VIEW)(track(advisor.on_ask_submitted))
    app.event("message")(track(advisor.on_message))
    app.event("app_mention")(track(advisor.on_mention))
    app.event("app_home_opened")(track(advisor.on_home_opened))
    app.event("app_uninstalled")(track(advisor.on_uninstalled))
    app.event("tokens_revoked")(track(advisor.on_tokens_revoked))


Next = Callable[[], Awaitable[Any]]


def deduplicate(repository: SqlRepository) -> Callable[..., Awaitable[Any]]:
    """Process each delivery once, across processes: Slack's retries of an event (same
    event_id) and a button pressed twice on one message are answered 200 and dropped."""

    async def middleware(body: dict[str, Any], next: Next) -> Any:
        key = delivery_key(body)
        if key is not None and not await repository.record_delivery(key, datetime.now(UTC)):
            log.info("slack duplicate delivery dropped kind=%s", body.get("type"))
            return BoltResponse(status=200, body="")
        return await next()

    return middleware


def delivery_key(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"slack:event:{body['event_id']}"
    if body.get("type") == "block_actions":
        container = body.get("container") or {}
        if not container.get("message_ts"):
            return None  # App Home buttons: pressing again is harmless and often intended
        action = (body.get("actions") or [{}])[0]
        parts = (
            (body.get("team") or {}).get("id"),
            (body.get("user") or {}).get("id"),
            container.get("channel_id"),
            container.get("message_ts"),
            action.get("action_id"),
            action.get("value"),
        )
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()
        return f"slack:action:{digest}"
    return None
