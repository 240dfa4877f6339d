"""The Bot Framework adapter for /api/messages, configured from the Teams settings.

With an app id, every request must carry a valid Bot Framework token (the SDK checks it).
Without one the SDK runs in emulator mode, accepting any caller and replying to any serviceUrl:
that is only ever built for `advisor serve --dev`, and says so loudly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes

from bot.app import App
from bot.config import TeamsConfig
from bot.forget import forget_service
from bot.handlers.teams.activities import PLATFORM
from bot.handlers.teams.admin import TeamsAdmin
from bot.handlers.teams.clients import ReusingAuthentication
from bot.handlers.teams.forget import TeamsForget
from bot.handlers.teams.handler import AdvisorTeamsBot
from bot.handlers.teams.proactive import Proactive
from bot.handlers.teams.pulse import TeamsPulse
from bot.handlers.teams.pulse_publisher import TeamsPulsePublisher
from bot.observability import record
from bot.pulse.runner import PulseRunner

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."


@dataclass(frozen=True)
class _BotConfiguration:
    """The attribute names botbuilder's configuration readers expect."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def build_adapter(config: TeamsConfig) -> CloudAdapter:
    if config.dev:
        log.warning(
            "TEAMS DEVELOPMENT MODE: /api/messages accepts unauthenticated requests and replies "
            "to any serviceUrl. For the Bot Framework Emulator only; never expose it."
        )
    configuration = _BotConfiguration(
        config.app_id, config.app_password, config.app_type, config.tenant_id
    )
    authentication = ReusingAuthentication(ConfigurationBotFrameworkAuthentication(configuration))
    adapter = CloudAdapter(authentication)
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """A bug: logged with ids (never the text), and the user gets an apology, not a trace."""
    activity = turn_context.activity
    record.error("teams_turn")
    log.error(
        "teams turn failed conversation=%s activity=%s error=%s",
        activity.conversation.id if activity.conversation else None,
        activity.id,
        type(error).__name__,
        exc_info=error,
    )
    if activity.type == ActivityTypes.message:
        await turn_context.send_activity(Activity(type=ActivityTypes.message, text=APOLOGY))


@dataclass
class TeamsEndpoint:
    adapter: CloudAdapter
    bot: AdvisorTeamsBot

    async def messages(self, request: web.Request) -> web.StreamResponse:
        try:
            response = await self.adapter.process(request, self.bot)
        except jwt.PyJWTError:
            # The SDK turns a missing or foreign token into 401 but lets a malformed, expired
            # or badly signed one escape as an exception (a 500): it is the same refusal.
            log.info("teams request refused: invalid token")
            return web.Response(status=401)
        return response if response is not None else web.Response(status=200)

    async def close(self) -> None:
        """Close the HTTP sessions of the connector clients kept between turns."""
        await self.adapter.bot_framework_authentication.close()


def build_endpoint(config: TeamsConfig, app: App, runner: PulseRunner) -> TeamsEndpoint:
    """The adapter and the bot; the runner can reach Teams from now on (survey cards, results
    and reminders are posted by whichever process's runner gets to them)."""
    adapter = build_adapter(config)
    proactive = Proactive(adapter, config.app_id)
    publisher = TeamsPulsePublisher(proactive)
    runner.register(PLATFORM, publisher)
    pulse = TeamsPulse(app.pulse, runner, proactive, publisher)
    forget = TeamsForget(forget_service(app))
    bot = AdvisorTeamsBot(app.service, app.repository, pulse, TeamsAdmin(app.admin), forget)
    return TeamsEndpoint(adapter, bot)
