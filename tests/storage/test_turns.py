"""`ConversationStore.run_turn`: a whole turn (delivery, load, step, save) in one transaction,
on every implementation and database."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from storage.conversations import ConversationKey, ConversationStore, StoredConversation, TurnWrite
from storage.errors import ConcurrentUpdateError, DuplicateDeliveryError
from tests.storage.test_contract import KEY, NOW, assessment

OTHER = ConversationKey("slack", "T0001", "U0002")


class Recorder:
    """A step that remembers what it was given and answers `write`."""

    def __init__(self, write: TurnWrite) -> None:
        self.write = write
        self.given: list[StoredConversation | None] = []

    def __call__(self, stored: StoredConversation | None) -> TurnWrite:
        self.given.append(stored)
        return self.write


class Boom(Exception):
    pass


def exploding(stored: StoredConversation | None) -> TurnWrite:
    raise Boom


async def test_a_first_turn_sees_no_conversation_and_creates_version_one(
    conversations: ConversationStore,
) -> None:
    step = Recorder(TurnWrite({"n": 1}))

    assert await conversations.run_turn(KEY, step, NOW) == 1

    assert step.given == [None]
    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version, stored.updated_at) == ({"n": 1}, 1, NOW)


async def test_a_turn_sees_the_stored_conversation_and_saves_over_its_version(
    conversations: ConversationStore,
) -> None:
    await conversations.save_turn(KEY, {"n": 1}, None, NOW)
    step = Recorder(TurnWrite({"n": 2}, assessment()))

    assert await conversations.run_turn(KEY, step, NOW, "teams:a:1") == 2

    [given] = step.given
    assert given is not None
    assert (given.state, given.version) == ({"n": 1}, 1)
    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"n": 2}, 2)
    assert await conversations.list_assessments(KEY) == [assessment()]
    assert await conversations.record_delivery("teams:a:1", NOW) is False


async def test_an_unchanged_turn_saves_nothing_but_its_delivery(
    conversations: ConversationStore,
) -> None:
    await conversations.save_turn(KEY, {"n": 1}, None, NOW)

    assert await conversations.run_turn(KEY, Recorder(TurnWrite(None)), NOW, "teams:a:1") is None

    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"n": 1}, 1)
    assert await conversations.record_delivery("teams:a:1", NOW) is False


async def test_a_redelivered_turn_is_refused_before_its_step_runs(
    conversations: ConversationStore,
) -> None:
    await conversations.run_turn(KEY, Recorder(TurnWrite({"n": 1})), NOW, "teams:a:1")
    step = Recorder(TurnWrite({"n": 2}, assessment()))

    with pytest.raises(DuplicateDeliveryError):
        await conversations.run_turn(KEY, step, NOW, "teams:a:1")

    assert step.given == []
    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"n": 1}, 1)
    assert await conversations.list_assessments(KEY) == []


@pytest.mark.parametrize(
    "step",
    [
        exploding,
        Recorder(TurnWrite({"bad": math.nan})),
        Recorder(TurnWrite({"n": 2}, assessment(key=OTHER))),
    ],
    ids=["step raises", "state JSON cannot hold", "assessment of another person"],
)
async def test_a_failing_step_writes_nothing_not_even_its_delivery(
    conversations: ConversationStore, step: Any
) -> None:
    await conversations.save_turn(KEY, {"n": 1}, None, NOW)

    with pytest.raises((Boom, ValueError)):
        await conversations.run_turn(KEY, step, NOW, "teams:a:9")

    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"n": 1}, 1)
    assert await conversations.list_assessments(KEY) == []
    assert await conversations.record_delivery("teams:a:9", NOW) is True


async def test_the_step_gets_a_copy_of_the_state(conversations: ConversationStore) -> None:
    await conversations.save_turn(KEY, {"items": [1]}, None, NOW)

    def mutating(stored: StoredConversation | None) -> TurnWrite:
        assert stored is not None
        stored.state["items"].append(2)
        return TurnWrite(None)

    await conversations.run_turn(KEY, mutating, NOW)

    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state == {"items": [1]}


async def test_simultaneous_turns_of_one_person_each_count_once(
    conversations: ConversationStore,
) -> None:
    """Twenty turns at once, each adding one, retried on conflict as the service does: none is
    lost and none is counted twice, whichever way the database lets them overlap."""

    def add_one(stored: StoredConversation | None) -> TurnWrite:
        count = 0 if stored is None else int(stored.state["count"])
        return TurnWrite({"count": count + 1})

    async def turn(number: int) -> int:
        for _ in range(50):
            try:
                await conversations.run_turn(KEY, add_one, NOW, f"teams:race:{number}")
            except ConcurrentUpdateError:
                continue
            return 1
        raise AssertionError("a turn never got through")

    assert sum(await asyncio.gather(*(turn(n) for n in range(20)))) == 20

    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"count": 20}, 20)
