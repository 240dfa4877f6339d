"""Slack's HTTP side: /slack/events (the signature checked once, then presses and answers
acknowledged before bolt runs, see `fast_ack` and `fast_answer`), the OAuth install pages, or
Socket Mode instead of HTTP; and draining what is still being sent at shutdown. The twin of
`bot.handlers.teams.routes`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp

from bot.app import App
from bot.config import SlackConfig
from bot.handlers.hooks import calling, on_platform
from bot.handlers.slack.app import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH, build_slack_app
from bot.handlers.slack.fast_ack import FastAck
from bot.handlers.slack.fast_answer import FastAnswers
from bot.handlers.slack.in_flight import InFlight
from bot.handlers.slack.observe import observe
from bot.handlers.slack.signed import NOT_A_SLACK_PAYLOAD, SignedRequests
from bot.handlers.slack.translate import workspace_of
from bot.observability import context, record
from bot.pulse.runner import PulseRunner

log = logging.getLogger(__name__)


def mount(
    web_app: web.Application,
    routes: list[web.RouteDef],
    config: SlackConfig,
    app: App,
    runner: PulseRunner,
    *,
    socket_mode: bool = False,
) -> None:
    slack_app = build_slack_app(config, app, runner)
    observe(slack_app.bolt)
    grace = app.settings.shutdown_grace_seconds
    if socket_mode:
        web_app.on_shutdown.append(_drain(None, slack_app.in_flight, grace))
        _run_socket_mode(web_app, slack_app.bolt, config.app_token or "")
    else:
        fast = FastAck(slack_app.bolt)
        web_app.on_shutdown.append(_drain(fast, slack_app.in_flight, grace))
        answers = FastAnswers(slack_app.pulse)
        signed = SignedRequests(config.signing_secret)
        slack_routes = SlackRoutes(slack_app.bolt, fast, answers, signed)
        routes.append(web.post(EVENTS_PATH, on_platform("slack", slack_routes.events)))
        if config.oauth:
            routes.append(web.get(INSTALL_PATH, slack_routes.install))
            routes.append(web.get(REDIRECT_PATH, slack_routes.oauth_redirect))
    web_app.on_cleanup.append(calling(slack_app.close))


@dataclass
class SlackRoutes:
    """aiohttp ↔ bolt, like bolt's own adapters: convert, dispatch, convert back; button presses
    and events are acknowledged before bolt runs (see FastAck)."""

    app: AsyncApp
    fast: FastAck
    answers: FastAnswers
    signed: SignedRequests

    async def events(self, request: web.Request) -> web.Response:
        read = await self.signed.read(request)
        if isinstance(read, web.Response):
            return read
        bolt_request = read
        if self.answers.takes(bolt_request):
            context.note(workspace=workspace_of(bolt_request.context))  # the signature is good
            return await self.answers.answer(bolt_request)
        if self.fast.takes(bolt_request):
            context.note(workspace=workspace_of(bolt_request.context))  # the signature is good
            await self.fast.dispatch_later(bolt_request)
            return web.Response(status=200)
        try:
            response = await self.app.async_dispatch(bolt_request)
        except Exception:
            # Bolt itself indexes payloads it matches (a view without its "type"); a signed
            # body of a shape Slack never sends is the sender's mistake, not a server error.
            record.error("slack_dispatch")
            log.exception("slack payload of an unexpected shape")
            return web.Response(status=400, text=NOT_A_SLACK_PAYLOAD)
        return await to_aiohttp_response(response)

    async def install(self, request: web.Request) -> web.Response:
        flow = self.app.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await flow.handle_installation(bolt_request))

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self.app.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))


def _run_socket_mode(web_app: web.Application, bolt: AsyncApp, app_token: str) -> None:
    handler = AsyncSocketModeHandler(bolt, app_token)

    async def connect(_web_app: web.Application) -> None:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack socket mode connected")

    async def disconnect(_web_app: web.Application) -> None:
        await handler.close_async()  # type: ignore[no-untyped-call]

    web_app.on_startup.append(connect)
    web_app.on_cleanup.append(disconnect)


def _drain(
    fast: FastAck | None, in_flight: InFlight, seconds: float
) -> Callable[[web.Application], Awaitable[None]]:
    """On shutdown, wait up to `seconds` for replies still being sent after their ack."""

    async def drain(_web_app: web.Application) -> None:
        waiting = await fast.drain(seconds) if fast is not None else 0
        unfinished = await in_flight.drain(seconds)
        if waiting or unfinished:
            log.warning("shutdown with %d Slack request(s) unfinished", waiting + unfinished)

    return drain
