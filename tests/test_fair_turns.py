"""Fair turns: round robin between conversations, bounded lines, load shed when the wait would
be too long, and no turn lost to a waiter that leaves."""

from __future__ import annotations

import asyncio

import pytest

from bot.fair_turns import Busy, FairTurns


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def take_turn(turns: FairTurns, conversation: str, *, may_turn_away: bool = True) -> None:
    """Wait for the turn and end it at once."""
    release = await turns.acquire(conversation, may_turn_away=may_turn_away)
    await asyncio.sleep(0)
    release()


async def test_a_new_conversation_waits_for_one_turn_of_each_conversation_ahead() -> None:
    turns = FairTurns(1)
    order: list[str] = []
    release_first = await turns.acquire("busy")

    async def work(conversation: str) -> None:
        release = await turns.acquire(conversation)
        order.append(conversation)
        await asyncio.sleep(0)
        release()

    backlog = [asyncio.create_task(work("busy")) for _ in range(15)]
    await settle()
    newcomer = asyncio.create_task(work("new"))
    await settle()
    assert turns.waiting == 16
    release_first()
    await asyncio.gather(*backlog, newcomer)
    assert order.index("new") <= 1  # after at most one more of the busy conversation's
    assert len(order) == 16


async def test_turns_are_bounded_and_freed() -> None:
    turns = FairTurns(2)
    first = await turns.acquire("a")
    second = await turns.acquire("b")
    third = asyncio.create_task(turns.acquire("c"))
    await settle()
    assert not third.done()
    first()
    first()  # ending a turn twice frees it once
    release = await asyncio.wait_for(third, 1)
    assert turns.waiting == 0
    fourth = asyncio.create_task(turns.acquire("d"))
    await settle()
    assert not fourth.done()  # still two turns held: the double release gave none away
    second()
    (await asyncio.wait_for(fourth, 1))()
    release()


async def test_one_conversation_cannot_queue_without_end() -> None:
    turns = FairTurns(1, most_waiting_per_conversation=3)
    held = await turns.acquire("flood")
    waiting = [asyncio.create_task(take_turn(turns, "flood")) for _ in range(3)]
    await settle()
    with pytest.raises(Busy) as busy:
        await turns.acquire("flood")
    assert busy.value.reason == "conversation_backlog"
    other = asyncio.create_task(take_turn(turns, "other"))  # someone else still gets in line
    await settle()
    held()
    await asyncio.wait_for(asyncio.gather(*waiting, other), 1)


async def test_a_request_is_turned_away_when_its_wait_would_be_too_long() -> None:
    now = [0.0]
    turns = FairTurns(1, patience_seconds=5, clock=lambda: now[0])
    held = await turns.acquire("a")
    now[0] += 20.0  # a slow turn: the average of turn times grows (to about 2 s)
    held()
    held = await turns.acquire("a")
    waiting = [asyncio.create_task(take_turn(turns, name)) for name in ("b", "c")]
    await settle()
    assert 6 < turns.expected_wait("new") < 6.5  # one round of three conversations
    assert 8 < turns.expected_wait("b") < 8.5  # two rounds of two
    for conversation in ("new", "b"):
        with pytest.raises(Busy) as busy:
            await turns.acquire(conversation)
        assert busy.value.reason == "overloaded"
    assert turns.waiting == 2
    held()
    await asyncio.wait_for(asyncio.gather(*waiting), 1)
    assert turns.expected_wait("new") < 5  # nobody waiting: one turn of one


async def test_a_waiter_that_leaves_gives_up_its_place_and_no_turn_is_lost() -> None:
    turns = FairTurns(1)
    held = await turns.acquire("a")
    leaving = asyncio.create_task(turns.acquire("b"))
    staying = asyncio.create_task(turns.acquire("c"))
    await settle()
    leaving.cancel()
    await settle()
    assert turns.waiting == 1
    held()
    (await asyncio.wait_for(staying, 1))()
    # Granted and cancelled at the same moment: the turn passes on.
    held = await turns.acquire("a")
    granted_then_cancelled = asyncio.create_task(turns.acquire("b"))
    after = asyncio.create_task(turns.acquire("c"))
    await settle()
    held()  # grants b's future...
    granted_then_cancelled.cancel()  # ...whose task is cancelled before it runs
    await asyncio.gather(granted_then_cancelled, return_exceptions=True)
    (await asyncio.wait_for(after, 1))()
    assert turns.waiting == 0


async def test_work_already_answered_as_done_is_never_turned_away() -> None:
    turns = FairTurns(1, most_waiting_per_conversation=1, patience_seconds=0.001)
    held = await turns.acquire("a")
    first = asyncio.create_task(take_turn(turns, "a", may_turn_away=False))
    second = asyncio.create_task(take_turn(turns, "a", may_turn_away=False))
    await settle()
    assert turns.waiting == 2  # over the line's limit and the patience, yet in line
    with pytest.raises(Busy):
        await turns.acquire("a")
    held()
    await asyncio.wait_for(asyncio.gather(first, second), 1)
