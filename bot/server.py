"""The web server: one aiohttp application for every platform, its routes in one list.

`advisor serve` runs it on $PORT. Slack's events, interactivity and slash command all arrive at
/slack/events (the OAuth install pages are served when OAuth is configured); Teams activities
at /api/messages; the admin endpoints under /admin/ only when ADMIN_TOKEN is set. /healthz says
the process is up, /readyz that it can serve (database and knowledge), /metrics (only with
METRICS_ENABLED) gives Prometheus its counts; every request gets a request id (see
`bot.observability`).

Besides requests, each process runs the pulse runner, the knowledge poller (which swaps in a
knowledge version loaded by any process) and, with KNOWLEDGE_WATCH, the file watch.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp

from bot.admin.http import AdminEndpoint
from bot.admin.live import FILE_WATCH_ACTOR, KnowledgePoller
from bot.admin.watch import KnowledgeWatch
from bot.app import App
from bot.config import SlackConfig, TeamsConfig
from bot.handlers.slack.app import (
    EVENTS_PATH,
    INSTALL_PATH,
    REDIRECT_PATH,
    build_slack_app,
)
from bot.handlers.slack.fast_ack import FastAck
from bot.handlers.slack.fast_answer import FastAnswers
from bot.handlers.slack.identity import workspace_of
from bot.handlers.slack.in_flight import InFlight
from bot.handlers.slack.observe import observe as observe_slack
from bot.handlers.slack.signed import SignedRequests
from bot.handlers.teams.adapter import MESSAGES_PATH, build_endpoint
from bot.handlers.teams.observe import observe as observe_teams
from bot.observability import context, record
from bot.observability.http import Readiness, bind_for_background, metrics_routes, observe
from bot.observability.metrics import Metrics
from bot.observability.slow_clients import body_deadline
from bot.pulse.runner import PulseRunner
from bot.retention import RetentionJob, RetentionRules

log = logging.getLogger(__name__)

APP_KEY = web.AppKey("advisor", App)


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
            return web.Response(status=400, text="not a Slack payload")
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


async def healthz(_request: web.Request) -> web.Response:
    """The process is up and serving (readiness, with the database, is a separate concern)."""
    return web.json_response({"status": "ok"})


def build_web_app(
    app: App,
    slack: SlackConfig | None,
    teams: TeamsConfig | None = None,
    *,
    socket_mode: bool = False,
) -> web.Application:
    metrics = Metrics() if app.settings.metrics_enabled else None
    web_app = web.Application(
        client_max_size=1024**2, middlewares=[observe(metrics), body_deadline()]
    )
    web_app[APP_KEY] = app
    bind_for_background(web_app, metrics)  # before the hooks that start background work
    routes = [
        web.get("/healthz", healthz),
        web.get("/readyz", Readiness(lambda: app.knowledge, lambda: app.storage.admin).readyz),
        *metrics_routes(metrics),
    ]
    # Survey deadlines, results and live counts: every process runs one, safely (see runner).
    runner = PulseRunner(
        app.pulse,
        app.storage.pulse,
        tick_seconds=app.settings.pulse_tick_seconds,
        count_seconds=app.settings.pulse_count_seconds,
        drain_seconds=app.settings.shutdown_grace_seconds,
    )
    grace = app.settings.shutdown_grace_seconds
    if teams is not None:
        endpoint = build_endpoint(teams, app, runner)
        observe_teams(endpoint.adapter)
        routes.append(web.post(MESSAGES_PATH, _on_platform("teams", endpoint.messages)))
        web_app.on_startup.append(_calling(endpoint.start))
        web_app.on_cleanup.append(_calling(endpoint.close))
    if slack is not None:
        slack_app = build_slack_app(slack, app, runner)
        observe_slack(slack_app.bolt)
        if socket_mode:
            web_app.on_shutdown.append(_drain(None, slack_app.in_flight, grace))
            _run_socket_mode(web_app, slack_app.bolt, slack.app_token or "")
        else:
            fast = FastAck(slack_app.bolt)
            web_app.on_shutdown.append(_drain(fast, slack_app.in_flight, grace))
            answers = FastAnswers(slack_app.pulse)
            signed = SignedRequests(slack.signing_secret)
            slack_routes = SlackRoutes(slack_app.bolt, fast, answers, signed)
            routes.append(web.post(EVENTS_PATH, _on_platform("slack", slack_routes.events)))
            if slack.oauth:
                routes.append(web.get(INSTALL_PATH, slack_routes.install))
                routes.append(web.get(REDIRECT_PATH, slack_routes.oauth_redirect))
        web_app.on_cleanup.append(_calling(slack_app.close))
    token = app.settings.admin_token_value
    if token is not None:
        admin = AdminEndpoint(app.admin, token)
        routes.extend(admin.routes())
        web_app.on_shutdown.append(_calling(admin.close))  # the repeats counted so far
    web_app.add_routes(routes)
    _in_background(web_app, runner.start, runner.stop)
    rules = RetentionRules(app.settings.retention_days, app.settings.retention_assessments)
    retention = RetentionJob(app.storage.lifecycle, rules)  # every process, safely
    _in_background(web_app, retention.start, retention.stop)
    _run_knowledge_sync(web_app, app)
    web_app.on_cleanup.append(_calling(app.close))
    return web_app


def _on_platform(
    platform: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The route's platform in the request context, known before the request is verified (the
    workspace is noted once it is: see the platforms' `observe`)."""

    async def on_platform(request: web.Request) -> web.StreamResponse:
        context.note(platform=platform)
        return await handler(request)

    return on_platform


def _run_knowledge_sync(web_app: web.Application, app: App) -> None:
    """The poller that keeps this process on the database's knowledge version, and the file
    watch when it is enabled; both stop before the database is closed."""
    poller = KnowledgePoller(app.live, app.settings.knowledge_poll_seconds)
    background: list[KnowledgePoller | KnowledgeWatch] = [poller]
    if app.settings.knowledge_watch:

        async def reload() -> None:
            await app.admin.reload(FILE_WATCH_ACTOR, record_unchanged=False)

        background.append(KnowledgeWatch(app.live.directory, reload))

    for job in background:
        _in_background(web_app, job.start, job.stop)


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


def _in_background(
    web_app: web.Application, start: Callable[[], None], stop: Callable[[], Awaitable[None]]
) -> None:
    """Run a background job in `web_app`'s process: started with the app, stopped at shutdown
    (before the database closes at cleanup)."""

    async def starting(_web_app: web.Application) -> None:
        start()

    web_app.on_startup.append(starting)
    web_app.on_shutdown.append(_calling(stop))


def _calling(close: Callable[[], Awaitable[None]]) -> Callable[[web.Application], Awaitable[None]]:
    """An aiohttp cleanup hook that calls `close`."""

    async def cleanup(_web_app: web.Application) -> None:
        await close()

    return cleanup
