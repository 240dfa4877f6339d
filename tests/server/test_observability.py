"""Observability through the real server: readiness (and its failure when the database is
down, without a word of the URL), request ids, JSON log lines that carry the request context
and never what people wrote, and the Prometheus metrics page."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings
from bot.handlers.slack import ids
from bot.logs import JsonFormatter
from bot.observability.http import REQUEST_ID_HEADER
from storage.sql import SqlStorage
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import dm_message
from testing.fakes.teams_activities import TENANT_ID
from testing.fakes.workspace import TEAM_ID, USER_ID
from testing.flows.slack import is_summary, last_question, posts, press
from testing.flows.slack_pulse import (
    answer,
    answer_values,
    choices,
    launch,
    open_answer_modal,
    survey_id,
)
from tests.server.conftest import RunningServer, running, token_settings
from tests.server.test_teams import say, serve

SECRET_WORDS = "zebra quokka marmalade"  # what a person typed: never in a log line
PASSWORD = "s3cret-pw-0123"
HEX_ID = re.compile(r"[0-9a-f]{32}")


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as reply:
        return reply.status, await reply.text(), reply.headers


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Everything logged during the test, formatted by the JSON formatter, with the advisor's
    own loggers at DEBUG (what LOG_LEVEL=DEBUG would show)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("bot", "storage")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    """One JSON object per line, every line."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def lines_of(stream: io.StringIO, message_start: str) -> list[dict[str, Any]]:
    return [r for r in records(stream) if r["message"].startswith(message_start)]


@pytest.fixture
async def metered(tmp_path: Path, slack_api: FakeSlackApi) -> AsyncIterator[RunningServer]:
    settings = token_settings(tmp_path, slack_api, metrics_enabled=True, pulse_tick_seconds=0.2)
    async for running_server in running(settings, slack_api):
        yield running_server


# --- readiness ------------------------------------------------------------------------------


async def test_ready_with_the_database_and_the_knowledge(server: RunningServer) -> None:
    status, body, headers = await get(server.base + "/readyz")
    assert status == 200
    assert json.loads(body) == {
        "status": "ready",
        "database": "ok",
        "knowledge": server.app.knowledge.version,
    }
    assert HEX_ID.fullmatch(headers[REQUEST_ID_HEADER])


@pytest.mark.postgres
async def test_ready_on_postgresql(
    tmp_path: Path, slack_api: FakeSlackApi, postgres_url: str
) -> None:
    settings = token_settings(tmp_path, slack_api, database_url=postgres_url)
    async for server in running(settings, slack_api):
        status, body, _ = await get(server.base + "/readyz")
        assert status == 200, body
        assert json.loads(body)["database"] == "ok"


async def database_down(
    server: RunningServer, url: str, caplog: pytest.LogCaptureFixture
) -> dict[str, Any]:
    """/readyz's answer while the app's database is `url` (which cannot be reached)."""
    working = server.app.storage
    server.app.storage = SqlStorage.from_url(url)
    try:
        with caplog.at_level(logging.INFO):
            status, body, _ = await get(server.base + "/readyz")
    finally:
        await server.app.storage.close()
        server.app.storage = working
    assert status == 503
    for secret in (PASSWORD, url, "127.0.0.1:", "postgresql", "missing-folder"):
        assert secret not in body
        assert secret not in caplog.text
    answer: dict[str, Any] = json.loads(body)
    assert answer["status"] == "not_ready"
    assert answer["knowledge"] == server.app.knowledge.version  # only the database failed
    return answer


async def test_not_ready_when_postgresql_is_down(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql://advisor:{PASSWORD}@127.0.0.1:1/advisor"  # nothing listens on port 1
    assert (await database_down(server, url, caplog))["database"] == "unreachable"


async def test_not_ready_when_sqlite_cannot_be_opened(
    server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'missing-folder' / 'advisor.db'}"
    assert (await database_down(server, url, caplog))["database"] == "unreachable"


async def test_not_ready_when_the_database_does_not_answer(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accept the connection, never say a word

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        url = f"postgresql://advisor:{PASSWORD}@127.0.0.1:{port}/advisor"
        assert (await database_down(server, url, caplog))["database"] == "timeout"
    finally:
        for writer in held:
            writer.close()
        listener.close()
        await listener.wait_closed()


async def test_healthz_stays_a_liveness_check(server: RunningServer) -> None:
    status, body, _ = await get(server.base + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


# --- request ids ----------------------------------------------------------------------------


async def test_a_plain_request_id_is_echoed_and_a_hostile_one_replaced(
    server: RunningServer,
) -> None:
    _, _, headers = await get(server.base + "/healthz", {REQUEST_ID_HEADER: "lb-4711.abc"})
    assert headers[REQUEST_ID_HEADER] == "lb-4711.abc"
    hostile = 'x" level=ERROR forged'
    _, _, headers = await get(server.base + "/healthz", {REQUEST_ID_HEADER: hostile})
    assert HEX_ID.fullmatch(headers[REQUEST_ID_HEADER])
    status, _, headers = await get(server.base + "/no-such-page")
    assert status == 404
    assert HEX_ID.fullmatch(headers[REQUEST_ID_HEADER])


async def test_slack_requests_get_an_id(server: RunningServer) -> None:
    reply = await server.slack.slash_command("help", headers={REQUEST_ID_HEADER: "req-help"})
    assert reply.status == 200
    assert reply.headers[REQUEST_ID_HEADER] == "req-help"


# --- JSON logs ------------------------------------------------------------------------------


async def test_slack_turns_log_their_context_and_never_the_text(
    server: RunningServer, json_logs: io.StringIO
) -> None:
    await server.slack.slash_command("start", headers={REQUEST_ID_HEADER: "req-start"})
    await server.api.wait_for("chat.postMessage", count=2)
    # Events in a row: each event's work after the ack logs under its own request's id.
    # (An answer understood gets two posts, the ✓ and the next question; the first does not.)
    for number, (text, sent) in enumerate([(SECRET_WORDS, 1), ("b", 2), ("the second", 2)], 1):
        before = len(posts(server))
        event = dm_message(text, USER_ID)
        reply = await server.slack.event(event, headers={REQUEST_ID_HEADER: f"req-dm-{number}"})
        assert reply.status == 200
        await server.api.wait_for("chat.postMessage", count=before + sent)
    # The first DM was not understood: nothing saved, no turn line.
    turns = lines_of(json_logs, "turn platform=")
    assert [t["request_id"] for t in turns] == ["req-start", "req-dm-2", "req-dm-3"]
    for turn in turns:
        assert turn["platform"] == "slack"
        assert turn["workspace"] == TEAM_ID
        assert turn["outcome"] == "answered"
        assert turn["logger"] == "bot.service"
        assert turn["level"] == "INFO"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", turn["time"])
    requests = lines_of(json_logs, "request method=POST route=/slack/events")
    dm = next(r for r in requests if r["request_id"] == "req-dm-1")
    assert (dm["platform"], dm["workspace"], dm["outcome"]) == ("slack", TEAM_ID, "200")
    assert "zebra" not in json_logs.getvalue()


async def test_survey_answers_log_their_outcome_and_never_the_answers(
    server: RunningServer, json_logs: io.StringIO
) -> None:
    card = await launch(server)
    view = await open_answer_modal(server, card, "U0RESP1")
    chosen = choices(view, pick=1)
    reply = await server.slack.view_submission(
        ids.PULSE_ANSWER_VIEW,
        answer_values(chosen),
        user_id="U0RESP1",
        private_metadata=survey_id(card),
        headers={REQUEST_ID_HEADER: "req-answer"},
    )
    assert reply.json()["response_action"] == "update"
    [line] = lines_of(json_logs, "pulse response")
    assert line["request_id"] == "req-answer"
    assert (line["platform"], line["workspace"]) == ("slack", TEAM_ID)
    assert line["outcome"] == "survey_added"
    logged = json_logs.getvalue()
    assert "U0RESP1" not in logged
    for option in chosen.values():
        assert f'"{option}"' not in logged
        assert f"={option}" not in logged


async def test_teams_turns_log_the_tenant(tmp_path: Path, json_logs: io.StringIO) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'teams.db'}")
    async for teams in serve(settings, dev=True):
        await say(teams, "hi", 2)
        await say(teams, SECRET_WORDS, 1)
    turns = lines_of(json_logs, "turn platform=teams")
    assert turns
    assert all((t["platform"], t["workspace"]) == ("teams", TENANT_ID) for t in turns)
    assert all(HEX_ID.fullmatch(t["request_id"]) for t in turns)
    assert SECRET_WORDS not in json_logs.getvalue()


# --- metrics --------------------------------------------------------------------------------


async def test_no_metrics_page_unless_enabled(server: RunningServer) -> None:
    status, _, _ = await get(server.base + "/metrics")
    assert status == 404


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition, 0 when it is absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


async def test_metrics_count_requests_turns_assessments_and_survey_answers(
    metered: RunningServer,
) -> None:
    server = metered
    await server.slack.slash_command("start")
    await server.api.wait_for("chat.postMessage", count=2)
    while not is_summary(posts(server)[-1]):
        await press(server, last_question(server), index=0)
    card = await launch(server)
    await answer(server, card, "U0RESP1", pick=0)
    await answer(server, card, "U0RESP1", pick=1)
    status, text, headers = await get(server.base + "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    answered = sample(text, "advisor_turns_total", platform="slack", outcome="answered")
    assert answered >= 12  # every answered question but the last
    assert sample(text, "advisor_turns_total", platform="slack", outcome="completed") == 1
    assert sample(text, "advisor_assessments_completed_total", platform="slack") == 1
    assert sample(text, "advisor_survey_responses_total", platform="slack", outcome="added") == 1
    replaced = sample(text, "advisor_survey_responses_total", platform="slack", outcome="replaced")
    assert replaced == 1
    assert sample(text, "advisor_errors_total", where="turn") == 0
    events = {"route": "/slack/events", "method": "POST", "status": "200"}
    assert sample(text, "advisor_http_requests_total", **events) >= 15
    latency = sample(text, "advisor_http_request_seconds_count", route="/slack/events")
    assert latency >= 15
    # A path nobody routes is one series, whatever was asked for.
    await get(server.base + "/wp-login.php")
    _, text, _ = await get(server.base + "/metrics")
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert sample(text, "advisor_http_requests_total", **unmatched) == 1
    assert "wp-login" not in text


async def test_failed_turns_are_counted_as_errors(metered: RunningServer) -> None:
    server = metered

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    server.app.storage.conversations.run_turn = broken  # type: ignore[method-assign]
    await server.slack.slash_command("start")
    for _ in range(100):
        _, text, _ = await get(server.base + "/metrics")
        if sample(text, "advisor_turns_total", platform="slack", outcome="failed"):
            break
        await asyncio.sleep(0.05)
    assert sample(text, "advisor_turns_total", platform="slack", outcome="failed") == 1
    assert sample(text, "advisor_errors_total", where="turn") == 1
