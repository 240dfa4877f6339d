"""Prometheus metrics, in a registry of each web app's own (not prometheus_client's global
one, so two servers in one process, as in the tests, never count into each other).

The services report outcomes through `bot.observability.record`, which finds the web app's
`Metrics` in a `ContextVar`: the HTTP middleware binds it for every request (and the tasks a
request starts inherit it), and a start-up hook binds it for the work that does not arrive over
HTTP (Socket Mode, the pulse runner). With METRICS_ENABLED off nothing is bound and recording
costs one lookup.

Each process exposes its own counts; Prometheus scrapes every process and `sum()` adds them up.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector

# Chat requests are acknowledged in milliseconds; slash commands wait for bolt's listener ack.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Where errors are counted; listed up front so their series exist (at 0) from the start.
ERROR_PLACES = (
    "turn",
    "slack_listener",
    "slack_dispatch",
    "teams_turn",
    "teams_unreachable",
    "teams_signing_keys",
    "http",
)
COMPLETED = "completed"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.http_requests = Counter(
            "advisor_http_requests",
            "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_seconds = Histogram(
            "advisor_http_request_seconds",
            "Time to answer an HTTP request (Slack events: until the ack), by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.turns = Counter(
            "advisor_turns",
            "Diagnostic turns handled by the service, by platform and outcome.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.assessments = Counter(
            "advisor_assessments_completed",
            "Diagnostics completed (an assessment recorded), by platform.",
            ["platform"],
            registry=self.registry,
        )
        self.survey_responses = Counter(
            "advisor_survey_responses",
            "Pulse survey answers submitted, by platform and outcome.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.errors = Counter(
            "advisor_errors",
            "Failures answered with an apology or logged as errors, by where they happened.",
            ["where"],
            registry=self.registry,
        )
        for where in ERROR_PLACES:
            self.errors.labels(where=where)
        self.shed_work = Counter(
            "advisor_shed",
            "Requests whose work was turned away with a busy reply, by platform and reason "
            "(overloaded: the wait would exceed people's patience; conversation_backlog: one "
            "conversation had too many requests waiting).",
            ["platform", "reason"],
            registry=self.registry,
        )

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route=route, method=method, status=str(status)).inc()
        self.http_seconds.labels(route=route).observe(seconds)

    def turn(self, platform: str, outcome: str) -> None:
        self.turns.labels(platform=platform, outcome=outcome).inc()
        if outcome == COMPLETED:
            self.assessments.labels(platform=platform).inc()

    def survey_response(self, platform: str, outcome: str) -> None:
        self.survey_responses.labels(platform=platform, outcome=outcome).inc()

    def error(self, where: str) -> None:
        self.errors.labels(where=where).inc()

    def shed(self, platform: str, reason: str) -> None:
        self.shed_work.labels(platform=platform, reason=reason).inc()


_BOUND: ContextVar[Metrics | None] = ContextVar("advisor_metrics", default=None)


def bound() -> Metrics | None:
    return _BOUND.get()


def bind(metrics: Metrics | None) -> Token[Metrics | None]:
    return _BOUND.set(metrics)


def unbind(token: Token[Metrics | None]) -> None:
    _BOUND.reset(token)
