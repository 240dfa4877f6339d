"""The listener runner: acknowledgements never wait, work runs a bounded number at a time, and
a shutdown waits for work in progress."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.handlers.slack.in_flight import InFlight, note_conversation


async def test_acks_happen_at_once_and_work_takes_turns() -> None:
    in_flight = InFlight(workers=1)
    acked: list[int] = []
    working: list[int] = []
    release = asyncio.Event()

    async def listener(ack: object, number: int) -> None:
        await ack()  # type: ignore[operator]
        working.append(number)
        await release.wait()

    async def ack_for(number: int) -> None:
        acked.append(number)

    tracked = in_flight.track(listener)
    tasks = [asyncio.create_task(tracked(ack=lambda n=n: ack_for(n), number=n)) for n in range(3)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert sorted(acked) == [0, 1, 2]  # every request acknowledged
    assert len(working) == 1  # but one works at a time
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(working) == [0, 1, 2]


async def test_events_without_ack_also_take_turns() -> None:
    in_flight = InFlight(workers=2)
    running = 0
    peak = 0

    async def listener(event: dict[str, str]) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    tracked = in_flight.track(listener)
    await asyncio.gather(*(tracked(event={}) for _ in range(6)))
    assert peak == 2


async def test_drain_waits_for_work_in_progress() -> None:
    in_flight = InFlight()
    done = asyncio.Event()

    async def listener(event: dict[str, str]) -> None:
        await asyncio.sleep(0.05)
        done.set()

    task = asyncio.create_task(in_flight.track(listener)(event={}))
    await asyncio.sleep(0)
    assert await in_flight.drain(5) == 0
    assert done.is_set()
    await task


async def test_drain_reports_what_did_not_finish() -> None:
    in_flight = InFlight()

    async def listener(event: dict[str, str]) -> None:
        await asyncio.sleep(10)

    task = asyncio.create_task(in_flight.track(listener)(event={}))
    await asyncio.sleep(0)
    assert await in_flight.drain(0.01) == 1
    task.cancel()


async def test_a_listener_failing_right_after_its_ack_keeps_the_ack(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bolt replaces the answer of a listener that acknowledged and then failed within a few
    milliseconds with a 404 "unhandled request", three seconds later: the ack must stand."""

    async def authorize(enterprise_id: object, team_id: str, user_id: str) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id=team_id, bot_token="xoxb-1")

    bolt = AsyncApp(signing_secret="s", authorize=authorize, request_verification_enabled=False)
    in_flight = InFlight()
    bolt.use(note_conversation)

    async def listener(ack: Callable[..., Awaitable[None]]) -> None:
        await ack(text="on it")
        raise RuntimeError("a bug")

    bolt.command("/ai-owner")(in_flight.track(listener))
    form = {
        "command": "/ai-owner",
        "text": "",
        "team_id": "T1",
        "user_id": "U1",
        "channel_id": "C1",
        "response_url": "http://127.0.0.1:9/commands/1",
        "trigger_id": "1.2.3",
    }
    request = AsyncBoltRequest(
        body=urlencode(form), headers={"content-type": ["application/x-www-form-urlencoded"]}
    )
    started = time.monotonic()
    response = await bolt.async_dispatch(request)
    assert response.status == 200
    assert response.body == "on it"
    assert time.monotonic() - started < 1.0
    await in_flight.drain(1)
    [failed] = [r for r in caplog.records if "slack listener failed" in r.getMessage()]
    assert failed.getMessage() == "slack listener failed error=RuntimeError"
