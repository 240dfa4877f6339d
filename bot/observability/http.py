"""The HTTP side of observability: a request id and a log line for every request, the request
metrics, readiness (/readyz) and the metrics page (/metrics)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client.aiohttp import make_aiohttp_handler

from bot.knowledge import Knowledge
from bot.observability import context, record
from bot.observability.metrics import Metrics, bind, unbind
from storage.admin import AdminStore

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
# Load balancers and Prometheus poll these every few seconds: their lines only at DEBUG.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"  # the route label of a 404: one series, whatever path was tried
CLIENT_GONE = 499  # the client hung up before the answer (nginx's convention)
DATABASE_TIMEOUT_SECONDS = 2.0


def observe(metrics: Metrics | None) -> Middleware:
    """An aiohttp middleware: a request id (the caller's X-Request-Id when it is a plain token,
    else a new one; echoed in the response) in the request context, the web app's metrics bound
    for everything the request starts, and one log line and count per request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        request_token = context.begin(request.headers.get(REQUEST_ID_HEADER))
        metrics_token = bind(metrics)
        request_id = context.current().request_id or ""
        status = 500
        try:
            response = await handler(request)
            status = response.status
            if not response.prepared:
                response.headers[REQUEST_ID_HEADER] = request_id
            return response
        except web.HTTPException as exception:
            status = exception.status
            exception.headers[REQUEST_ID_HEADER] = request_id
            raise
        except asyncio.CancelledError:
            status = CLIENT_GONE
            raise
        except Exception:
            record.error("http")
            raise
        finally:
            _finished(request, metrics, status, time.perf_counter() - started)
            unbind(metrics_token)
            context.end(request_token)

    return middleware


def _finished(request: web.Request, metrics: Metrics | None, status: int, seconds: float) -> None:
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else UNMATCHED
    if metrics is not None:
        metrics.request(route, request.method, status, seconds)
    if context.current().outcome is None:
        context.note(outcome=str(status))
    level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
    log.log(
        level,
        "request method=%s route=%s status=%d ms=%.1f",
        request.method,
        route,
        status,
        seconds * 1000,
    )


@dataclass
class Readiness:
    """GET /readyz: ready to take traffic when the database answers a cheap query within a
    couple of seconds and knowledge is loaded. A failure says which check failed, never why in
    the driver's words (an error's text can carry the database URL)."""

    knowledge: Callable[[], Knowledge]  # the knowledge served right now
    # The store whose cheap one-row query stands for "the database answers", looked up on each
    # probe: the app's storage is what it is at that moment.
    admin: Callable[[], AdminStore]
    timeout: float = DATABASE_TIMEOUT_SECONDS

    async def readyz(self, _request: web.Request) -> web.Response:
        database = await self._database()
        knowledge = self.knowledge()
        loaded = bool(knowledge.questions)
        ready = database == "ok" and loaded
        body = {
            "status": "ready" if ready else "not_ready",
            "database": database,
            "knowledge": knowledge.version if loaded else "not_loaded",
        }
        return web.json_response(body, status=200 if ready else 503)

    async def _database(self) -> str:
        # Through the repository (its transactions, its lock around an in-memory SQLite
        # database): the one-row query every process polls for the knowledge version anyway.
        try:
            async with asyncio.timeout(self.timeout):
                await self.admin().active_knowledge()
        except TimeoutError:
            log.warning("readiness: the database did not answer within %.1fs", self.timeout)
            return "timeout"
        except Exception as error:
            log.warning("readiness: the database is unreachable error=%s", type(error).__name__)
            return "unreachable"
        return "ok"


def metrics_routes(metrics: Metrics | None) -> list[web.RouteDef]:
    """GET /metrics in Prometheus' text format, only with METRICS_ENABLED (404 otherwise)."""
    if metrics is None:
        return []
    return [web.get("/metrics", make_aiohttp_handler(metrics.registry))]


def bind_for_background(web_app: web.Application, metrics: Metrics | None) -> None:
    """Bind the metrics in the start-up task, before the hooks that start background work
    (Socket Mode, the pulse runner): their tasks inherit it. Call before adding those hooks."""

    async def startup(_web_app: web.Application) -> None:
        bind(metrics)

    web_app.on_startup.append(startup)
