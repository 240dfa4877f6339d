"""Concurrent turns on one conversation: with reload-and-retry, no update is ever lost."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from storage.conversations import ConversationKey, ConversationStore
from storage.errors import ConcurrentUpdateError

KEY = ConversationKey("slack", "T0001", "U0001")
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@dataclass
class Outcome:
    saved: bool = False
    conflicts: int = 0


async def take_turn(
    conversations: ConversationStore, marker: str, attempts: int, all_loaded: asyncio.Barrier
) -> Outcome:
    """Load, append `marker`, save; on a conflict reload and try again, as the service does.

    Everyone waits at `all_loaded` after the first load, so the first round is a real race:
    every task saves against the same version.
    """
    outcome = Outcome()
    for attempt in range(attempts):
        stored = await conversations.load_conversation(KEY)
        if attempt == 0:
            await all_loaded.wait()
        state = {"markers": []} if stored is None else stored.state
        state["markers"].append(marker)
        try:
            await conversations.save_turn(
                KEY, state, None if stored is None else stored.version, NOW
            )
        except ConcurrentUpdateError:
            outcome.conflicts += 1
            continue
        outcome.saved = True
        break
    return outcome


@pytest.mark.parametrize(
    ("tasks", "attempts"),
    [
        (2, 5),
        # A task can only lose when another one wins, so with as many attempts as there are
        # tasks every task must get through.
        (20, 20),
    ],
    ids=["two-turns", "twenty-turns"],
)
async def test_concurrent_turns_lose_no_update(
    conversations: ConversationStore, tasks: int, attempts: int
) -> None:
    markers = [f"turn-{number}" for number in range(tasks)]
    all_loaded = asyncio.Barrier(tasks)

    outcomes = await asyncio.wait_for(
        asyncio.gather(*(take_turn(conversations, m, attempts, all_loaded) for m in markers)),
        timeout=120,
    )

    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert all(outcome.saved for outcome in outcomes)
    assert sorted(stored.state["markers"]) == sorted(markers)
    assert stored.version == tasks
    # Everyone raced for the first save and only one could win it.
    assert sum(outcome.conflicts for outcome in outcomes) >= tasks - 1
