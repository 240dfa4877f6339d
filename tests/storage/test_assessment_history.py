"""`ConversationStore.list_assessments` with a limit (what a summary's history reads): the
newest results only, still oldest first, on every store and database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage.conversations import AssessmentRecord, ConversationKey, ConversationStore

KEY = ConversationKey("slack", "T0001", "U0001")
OTHER = ConversationKey("slack", "T0001", "U0002")
NOW = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def result(number: int, key: ConversationKey = KEY, at: datetime | None = None) -> AssessmentRecord:
    return AssessmentRecord(
        key=key,
        completed_at=at or NOW + timedelta(days=number),
        knowledge_version="2025.03-abc123",
        recommendation=f"model-{number}",
        clarity="clear",
        answers={"sponsor": f"option-{number}", "budget": None},
        scores={f"model-{number}": 0.75, "central": 0.25},
    )


async def save_all(conversations: ConversationStore, records: list[AssessmentRecord]) -> None:
    for record in records:
        state: dict[str, Any] = {"done": record.recommendation}
        stored = await conversations.load_conversation(record.key)
        version = None if stored is None else stored.version
        await conversations.save_turn(record.key, state, version, record.completed_at, record)


async def test_a_limit_keeps_the_newest_results_oldest_first(
    conversations: ConversationStore,
) -> None:
    # Saved out of order: the order is the completion time's, not the save's.
    await save_all(conversations, [result(n) for n in (3, 0, 4, 1, 2)])

    newest = await conversations.list_assessments(KEY, limit=3)

    assert [record.recommendation for record in newest] == ["model-2", "model-3", "model-4"]
    assert newest[-1] == result(4)
    assert newest == (await conversations.list_assessments(KEY))[-3:]


async def test_a_limit_beyond_the_results_gives_them_all(conversations: ConversationStore) -> None:
    assert await conversations.list_assessments(KEY, limit=11) == []
    await save_all(conversations, [result(0), result(1)])

    assert await conversations.list_assessments(KEY, limit=11) == [result(0), result(1)]
    assert await conversations.list_assessments(KEY, limit=1) == [result(1)]


async def test_hundreds_of_results_read_only_the_limit(conversations: ConversationStore) -> None:
    await save_all(conversations, [result(n) for n in range(300)])

    newest = await conversations.list_assessments(KEY, limit=11)

    assert [record.recommendation for record in newest] == [f"model-{n}" for n in range(289, 300)]
    assert len(await conversations.list_assessments(KEY)) == 300


async def test_of_results_at_one_instant_the_later_saved_is_the_newer(
    conversations: ConversationStore,
) -> None:
    await save_all(conversations, [result(n, at=NOW) for n in range(3)])

    assert [r.recommendation for r in await conversations.list_assessments(KEY, limit=2)] == [
        "model-1",
        "model-2",
    ]


async def test_a_limit_counts_only_the_persons_own_results(
    conversations: ConversationStore,
) -> None:
    await save_all(conversations, [result(0), result(1, OTHER), result(2, OTHER), result(3)])

    assert await conversations.list_assessments(KEY, limit=3) == [result(0), result(3)]
    assert await conversations.list_assessments(OTHER, limit=1) == [result(2, OTHER)]


@pytest.mark.parametrize("limit", [0, -1, True])
async def test_a_limit_below_one_is_refused(conversations: ConversationStore, limit: int) -> None:
    await save_all(conversations, [result(0)])

    with pytest.raises(ValueError, match="limit"):
        await conversations.list_assessments(KEY, limit=limit)
