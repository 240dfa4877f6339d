"""Teams' HTTP side: the route of /api/messages on the web server, with the endpoint's start
(warming the signing keys) and close. The twin of `bot.handlers.slack.routes`."""

from __future__ import annotations

from aiohttp import web

from bot.app import App
from bot.config import TeamsConfig
from bot.handlers.hooks import calling, on_platform
from bot.handlers.teams.adapter import MESSAGES_PATH, build_endpoint
from bot.handlers.teams.observe import observe
from bot.pulse.runner import PulseRunner


def mount(
    web_app: web.Application,
    routes: list[web.RouteDef],
    config: TeamsConfig,
    app: App,
    runner: PulseRunner,
) -> None:
    endpoint = build_endpoint(config, app, runner)
    observe(endpoint.adapter)
    routes.append(web.post(MESSAGES_PATH, on_platform("teams", endpoint.messages)))
    web_app.on_startup.append(calling(endpoint.start))
    web_app.on_cleanup.append(calling(endpoint.close))
