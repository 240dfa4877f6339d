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

from aiohttp import web

from bot.admin.http import AdminEndpoint
from bot.admin.live import FILE_WATCH_ACTOR, KnowledgePoller
from bot.admin.watch import KnowledgeWatch
from bot.app import App
from bot.config import SlackConfig, TeamsConfig
from bot.handlers.hooks import calling
from bot.handlers.slack import routes as slack_routes
from bot.handlers.teams import routes as teams_routes
from bot.observability.http import Readiness, bind_for_background, metrics_routes, observe
from bot.observability.metrics import Metrics
from bot.observability.slow_clients import body_deadline
from bot.pulse.runner import PulseRunner
from bot.retention import RetentionJob, RetentionRules

log = logging.getLogger(__name__)

APP_KEY = web.AppKey("advisor", App)


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
        series=app.series,
        tick_seconds=app.settings.pulse_tick_seconds,
        count_seconds=app.settings.pulse_count_seconds,
        drain_seconds=app.settings.shutdown_grace_seconds,
        reminders=app.storage.reminders,
    )
    if teams is not None:
        teams_routes.mount(web_app, routes, teams, app, runner)
    if slack is not None:
        slack_routes.mount(web_app, routes, slack, app, runner, socket_mode=socket_mode)
    token = app.settings.admin_token_value
    if token is not None:
        admin = AdminEndpoint(app.admin, token)
        routes.extend(admin.routes())
        web_app.on_shutdown.append(calling(admin.close))  # the repeats counted so far
    web_app.add_routes(routes)
    _in_background(web_app, runner.start, runner.stop)
    rules = RetentionRules(app.settings.retention_days, app.settings.retention_assessments)
    retention = RetentionJob(app.storage.lifecycle, rules)  # every process, safely
    _in_background(web_app, retention.start, retention.stop)
    _run_knowledge_sync(web_app, app)
    web_app.on_cleanup.append(calling(app.close))
    return web_app


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


def _in_background(
    web_app: web.Application, start: Callable[[], None], stop: Callable[[], Awaitable[None]]
) -> None:
    """Run a background job in `web_app`'s process: started with the app, stopped at shutdown
    (before the database closes at cleanup)."""

    async def starting(_web_app: web.Application) -> None:
        start()

    web_app.on_startup.append(starting)
    web_app.on_shutdown.append(calling(stop))
