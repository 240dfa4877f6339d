"""The listener runner: acknowledgements never wait, work runs a bounded number at a time, and
a shutdown waits for work in progress."""

from __future__ import annotations

import asyncio

from bot.handlers.slack.in_flight import InFlight


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
