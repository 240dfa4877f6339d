"""The Bot Framework adapter for /api/messages, configured from the Teams settings.

With an app id, every request must carry a valid Bot Framework token (the SDK checks it,
with signing keys fetched by `signing_keys`, never on the event loop): any refusal is a 401,
keys that cannot be fetched a 503 with Retry-After.
Without one the SDK runs in emulator mode, accepting any caller and replying to any serviceUrl:
that is only ever built for `advisor serve --dev`, and says so loudly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticationConstants
from msrest.exceptions import ClientRequestError

from bot.app import App
from bot.config import TeamsConfig
from bot.handlers import failures
from bot.handlers.teams.activity_shape import (
    UNHANDLED_INVOKE,
    not_an_activity,
    read_activity,
    service_url_of,
)
from bot.handlers.teams.admin import TeamsAdmin
from bot.handlers.teams.clients import ReusingAuthentication
from bot.handlers.teams.dispatch import AdvisorTeamsBot
from bot.handlers.teams.fair import FairTurnsBot
from bot.handlers.teams.forget import TeamsForget
from bot.handlers.teams.proactive import Proactive
from bot.handlers.teams.pulse import TeamsPulse
from bot.handlers.teams.pulse_compare import TeamsPulseCompare
from bot.handlers.teams.pulse_members import TeamsMemberDirectory
from bot.handlers.teams.pulse_publisher import TeamsPulsePublisher
from bot.handlers.teams.pulse_series import TeamsPulseSeries
from bot.handlers.teams.signing_keys import (
    SigningKeyRegistry,
    SigningKeysUnavailable,
    take_keys_from,
)
from bot.handlers.teams.translate import PLATFORM
from bot.observability import record
from bot.pulse.compare import PulseComparer
from bot.pulse.reminders import TEAMS_PACE
from bot.pulse.runner import PulseRunner
from bot.views import catalogue

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


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


# Service URLs already logged as unreachable (bounded: a flood of invented ones cannot grow it).
_UNREACHABLE: set[str] = set()
_MAX_UNREACHABLE = 1000


def _is_unreachable(error: BaseException) -> bool:
    """The connector at the activity's serviceUrl could not be reached (not a bug of ours)."""
    return isinstance(error, (ClientRequestError, aiohttp.ClientConnectionError, TimeoutError))


def _note_unreachable(service_url: str | None) -> None:
    """Log an unreachable service URL once (a URL the activity named, not a secret)."""
    url = (service_url or "")[:200]
    if url in _UNREACHABLE:
        return
    if len(_UNREACHABLE) < _MAX_UNREACHABLE:
        _UNREACHABLE.add(url)
    record.error("teams_unreachable")
    log.warning("teams service url unreachable url=%s: the turn's replies were not delivered", url)


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """A bug: logged with ids (never the text), and the user gets an apology, not a trace. An
    unreachable connector is no bug, and an apology could not reach it either. Either way the
    HTTP answer is not a 5xx: an invoke is answered 200 (Teams would retry anything else, into
    the same failure)."""
    activity = turn_context.activity
    if _is_unreachable(error):
        _note_unreachable(activity.service_url)
    else:
        conversation = activity.conversation.id if activity.conversation else None
        failures.turn_failed(
            "teams", "turn", error, conversation=conversation, activity=activity.id
        )
        if activity.type == ActivityTypes.message:
            await _apologise(turn_context)
    if activity.type == ActivityTypes.invoke:
        invoke_response = Activity(
            type=ActivityTypes.invoke_response, value=InvokeResponse(status=200)
        )
        await turn_context.send_activity(invoke_response)  # kept for the HTTP answer, not sent


async def _apologise(turn_context: TurnContext) -> None:
    """The apology goes where the reply failed to: it may fail the same way (a connector
    answering 403 to an app that was removed, a serviceUrl that is no URL)."""
    try:
        await turn_context.send_activity(Activity(type=ActivityTypes.message, text=catalogue.SORRY))
    except Exception as failure:
        log.warning("teams apology not delivered error=%s", type(failure).__name__)


CHANNEL_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL


def signing_key_registry(config: TeamsConfig) -> SigningKeyRegistry:
    redirect = {}
    if config.openid_metadata_url:
        redirect[CHANNEL_METADATA_URL] = config.openid_metadata_url
    return SigningKeyRegistry(redirect)


@dataclass
class TeamsEndpoint:
    adapter: CloudAdapter
    bot: FairTurnsBot
    keys: SigningKeyRegistry
    restore_sdk_keys: Callable[[], None]
    warm_keys: bool
    _warming: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Fetch the channel's signing keys in the background, before the first request."""
        if self.warm_keys:
            self._warming = asyncio.create_task(self.keys.for_url(CHANNEL_METADATA_URL).warm())

    async def messages(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.Response(status=415)
        body = await request.read()
        activity = read_activity(body)
        if isinstance(activity, str):
            log.info("teams request refused: %s", activity)
            return web.Response(status=400, text=not_an_activity(activity))
        try:
            response = await self._process(request, activity)
        except PermissionError:
            return web.Response(status=401)
        except SigningKeysUnavailable as unavailable:
            # Not the caller's fault, nor proof of a forgery: the Bot Framework retries.
            log.warning("teams request deferred: signing keys unavailable")
            return web.Response(status=503, headers={"Retry-After": str(unavailable.retry_after)})
        except Exception as error:
            if not _is_unreachable(error):
                raise
            # The activity was received and handled; only its replies could not be sent.
            _note_unreachable(service_url_of(body))
            return web.Response(status=200)
        if response.status == 501:
            # botbuilder's answer to an invoke no handler took (no name, a name this bot does
            # not serve): the request's fault, not a server error.
            return web.Response(status=400, text=UNHANDLED_INVOKE)
        return response

    async def _process(self, request: web.Request, activity: Activity) -> web.Response:
        """What the SDK's `CloudAdapter.process` does with a POST, given the activity already
        read: the turn (authenticated by the adapter), then the invoke's answer, or 201."""
        auth_header = request.headers.get("Authorization", "")
        invoke = await self.adapter.process_activity(auth_header, activity, self.bot.on_turn)
        if invoke is None:
            return web.Response(status=201)
        return web.json_response(data=serializer_helper(invoke.body), status=invoke.status)

    async def close(self) -> None:
        """Close the HTTP sessions of the connector clients kept between turns and of the
        key downloads, and give the SDK its own key downloader back."""
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.adapter.bot_framework_authentication.close()
        await self.keys.close()
        self.restore_sdk_keys()


def build_endpoint(config: TeamsConfig, app: App, runner: PulseRunner) -> TeamsEndpoint:
    """The adapter and the bot; the runner can reach Teams from now on (survey cards, results
    and reminders are posted by whichever process's runner gets to them)."""
    adapter = build_adapter(config)
    proactive = Proactive(adapter, config.app_id)
    publisher = TeamsPulsePublisher(proactive)
    runner.register(PLATFORM, publisher)
    runner.register_directory(PLATFORM, TeamsMemberDirectory(proactive), TEAMS_PACE)
    series = TeamsPulseSeries(app.series, app.pulse, runner, publisher)
    comparer = PulseComparer(app.pulse, app.service, app.live.current)
    compare = TeamsPulseCompare(app.pulse, comparer, proactive)
    pulse = TeamsPulse(app.pulse, runner, proactive, publisher, series, compare)
    forget = TeamsForget(app.forget)
    bot = FairTurnsBot(
        AdvisorTeamsBot(
            app.service, app.storage.conversations, pulse, TeamsAdmin(app.admin), forget
        )
    )
    keys = signing_key_registry(config)
    return TeamsEndpoint(adapter, bot, keys, take_keys_from(keys), warm_keys=not config.dev)
