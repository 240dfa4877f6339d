"""Fair turns on Teams, through the real server: a Teams request is answered once its turn is
done, so a burst would otherwise all work at once; a newcomer's first question still goes out
within seconds."""

from __future__ import annotations

import asyncio
import time

from tests.server.test_teams import TeamsServer, server  # noqa: F401 - the fixture

PEOPLE = 12
MESSAGES_EACH = 18
LATENCY = 0.04


async def test_a_newcomer_is_answered_within_seconds_behind_a_burst(
    server: TeamsServer,  # noqa: F811
) -> None:
    server.connector.latency = LATENCY
    limit = asyncio.Semaphore(1000)

    server.teams.timeout = 30  # the server answers or turns away within its patience

    async def say_help(person: int) -> tuple[int, float]:
        async with limit:
            delivery = await server.teams.personal_message(
                "help",
                user_id=f"29:burst-{person}",
                aad_object_id=f"00000000-0000-0000-0000-{person:012d}",
                conversation_id=f"a:burst-{person}",
            )
        return delivery.status, delivery.elapsed

    burst = [
        asyncio.create_task(say_help(person))
        for person in range(PEOPLE)
        for _ in range(MESSAGES_EACH)
    ]
    await asyncio.sleep(1.0)  # the burst is in, and working
    started = time.monotonic()
    newcomer = await server.teams.personal_message(
        "start",
        user_id="29:newcomer",
        aad_object_id="00000000-0000-0000-0000-0000000000ee",
        conversation_id="a:newcomer",
    )
    waited = time.monotonic() - started
    answered_by_then = sum(task.done() for task in burst)
    print(
        f"\n{len(burst)} messages in flight; newcomer answered in {waited:.2f}s, "
        f"{answered_by_then} of the burst answered by then"
    )
    assert newcomer.status in (200, 201)
    assert server.connector.sent("a:newcomer")
    assert answered_by_then < len(burst) * 0.8  # the burst was still being worked through
    assert waited < 5.0
    # Each is answered in time, or turned away (with a busy reply, once a minute each).
    results = await asyncio.gather(*burst)
    assert {status for status, _ in results} <= {200, 201}
    # In line, the newcomer waits for one round of the conversations ahead, a fraction of what
    # the burst waits; all working at once, it would share the loop with the whole burst. The
    # ratio, not a time, so the machine's speed cancels out.
    median = sorted(elapsed for _, elapsed in results)[len(results) // 2]
    print(f"the burst's median answer took {median:.2f}s")
    assert newcomer.elapsed < median / 3
