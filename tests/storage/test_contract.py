"""The Repository contract: every implementation, on every database, behaves the same."""

from __future__ import annotations

import asyncio
import itertools
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.repository import (
    AssessmentRecord,
    ConcurrentUpdateError,
    ConversationKey,
    Repository,
)

KEY = ConversationKey("slack", "T0001", "U0001")
NOW = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def assessment(key: ConversationKey = KEY, at: datetime = NOW, **changes: Any) -> AssessmentRecord:
    values: dict[str, Any] = {
        "knowledge_version": "2025.03-abc123",
        "recommendation": "hub_and_spoke",
        "clarity": "clear",
        "answers": {"sponsor": "cio", "budget": None},
        "scores": {"hub_and_spoke": 0.75, "central": 0.25},
    }
    values.update(changes)
    return AssessmentRecord(key=key, completed_at=at, **values)


async def test_loading_an_unknown_conversation_gives_none(repository: Repository) -> None:
    assert await repository.load_conversation(KEY) is None


async def test_first_save_creates_version_one(repository: Repository) -> None:
    assert await repository.save_turn(KEY, {"step": "intro"}, None, NOW) == 1

    stored = await repository.load_conversation(KEY)

    assert stored is not None
    assert (stored.key, stored.state, stored.version, stored.updated_at) == (
        KEY,
        {"step": "intro"},
        1,
        NOW,
    )


async def test_saving_the_loaded_version_increments_it(repository: Repository) -> None:
    await repository.save_turn(KEY, {"step": 1}, None, NOW)

    for expected in (2, 3, 4):
        stored = await repository.load_conversation(KEY)
        assert stored is not None
        later = NOW + timedelta(minutes=expected)
        assert (
            await repository.save_turn(KEY, {"step": expected}, stored.version, later) == expected
        )

    final = await repository.load_conversation(KEY)
    assert final is not None
    assert (final.state, final.version, final.updated_at) == (
        {"step": 4},
        4,
        NOW + timedelta(minutes=4),
    )


async def test_a_stale_version_is_refused_and_nothing_is_written(repository: Repository) -> None:
    await repository.save_turn(KEY, {"step": 1}, None, NOW)
    await repository.save_turn(KEY, {"step": 2}, 1, NOW)

    with pytest.raises(ConcurrentUpdateError):
        await repository.save_turn(
            KEY, {"step": "stale"}, 1, NOW + timedelta(hours=1), assessment()
        )

    stored = await repository.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version, stored.updated_at) == ({"step": 2}, 2, NOW)
    assert await repository.list_assessments(KEY) == []


async def test_a_version_for_a_missing_conversation_is_refused(repository: Repository) -> None:
    with pytest.raises(ConcurrentUpdateError):
        await repository.save_turn(KEY, {"step": 1}, 1, NOW, assessment())

    assert await repository.load_conversation(KEY) is None
    assert await repository.latest_assessment(KEY) is None


async def test_a_second_first_save_is_refused(repository: Repository) -> None:
    await repository.save_turn(KEY, {"who": "first"}, None, NOW)

    with pytest.raises(ConcurrentUpdateError):
        await repository.save_turn(KEY, {"who": "second"}, None, NOW, assessment())

    stored = await repository.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"who": "first"}, 1)
    assert await repository.list_assessments(KEY) == []


async def test_of_two_simultaneous_first_saves_exactly_one_wins(repository: Repository) -> None:
    outcomes = await asyncio.gather(
        repository.save_turn(KEY, {"who": "a"}, None, NOW, assessment(recommendation="a")),
        repository.save_turn(KEY, {"who": "b"}, None, NOW, assessment(recommendation="b")),
        return_exceptions=True,
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "ConcurrentUpdateError",
        "int",
    ]
    winner = "a" if outcomes[0] == 1 else "b"
    stored = await repository.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"who": winner}, 1)
    assert [record.recommendation for record in await repository.list_assessments(KEY)] == [winner]


async def test_assessments_are_saved_with_the_turn_and_read_oldest_first(
    repository: Repository,
) -> None:
    assert await repository.latest_assessment(KEY) is None
    times = [NOW + timedelta(days=2), NOW, NOW + timedelta(days=5)]
    version = None
    for number, at in enumerate(times):
        record = assessment(at=at, recommendation=f"model-{number}")
        version = await repository.save_turn(KEY, {"done": number}, version, at, record)

    history = await repository.list_assessments(KEY)
    assert [record.recommendation for record in history] == ["model-1", "model-0", "model-2"]
    assert history[0] == assessment(at=NOW, recommendation="model-1")
    assert await repository.latest_assessment(KEY) == history[-1]


async def test_assessments_completed_at_the_same_instant_keep_their_save_order(
    repository: Repository,
) -> None:
    await repository.save_turn(KEY, {}, None, NOW, assessment(recommendation="earlier"))
    await repository.save_turn(KEY, {}, 1, NOW, assessment(recommendation="later"))

    history = await repository.list_assessments(KEY)
    latest = await repository.latest_assessment(KEY)

    assert [record.recommendation for record in history] == ["earlier", "later"]
    assert latest is not None
    assert latest.recommendation == "later"


@pytest.mark.parametrize(
    "other",
    [
        ConversationKey("teams", KEY.workspace, KEY.user),
        ConversationKey(KEY.platform, "T0002", KEY.user),
        ConversationKey(KEY.platform, KEY.workspace, "U0002"),
    ],
    ids=["platform", "workspace", "user"],
)
async def test_keys_isolate_conversations_and_assessments(
    repository: Repository, other: ConversationKey
) -> None:
    await repository.save_turn(KEY, {"mine": True}, None, NOW, assessment())

    assert await repository.load_conversation(other) is None
    assert await repository.latest_assessment(other) is None
    assert await repository.list_assessments(other) == []
    assert await repository.save_turn(other, {"theirs": True}, None, NOW) == 1
    stored = await repository.load_conversation(KEY)
    assert stored is not None
    assert stored.state == {"mine": True}


async def test_nested_unicode_state_round_trips(repository: Repository) -> None:
    state = {
        "answers": {"sponsor": {"choice": "cio", "said": "¿Quién? 首席信息官 🚀 שלום"}},
        "history": [["intro", 1], ["sponsor", 2.5], [], {}],
        "flags": {"done": False, "skipped": None, "count": 0, "big": 2**53 + 1},
        "quoting": 'a "quoted" \\ back\tslash\n and a nul \u0000',
        "ключ": "значение",
    }

    await repository.save_turn(KEY, state, None, NOW)
    stored = await repository.load_conversation(KEY)

    assert stored is not None
    assert stored.state == state


async def test_state_is_stored_as_json(repository: Repository) -> None:
    await repository.save_turn(KEY, {"pair": ("a", 1), "by_number": {7: "seven"}}, None, NOW)
    stored = await repository.load_conversation(KEY)

    assert stored is not None
    assert stored.state == {"pair": ["a", 1], "by_number": {"7": "seven"}}


async def test_the_stored_state_is_a_copy(repository: Repository) -> None:
    state: dict[str, Any] = {"steps": ["intro"]}
    await repository.save_turn(KEY, state, None, NOW)
    state["steps"].append("changed after saving")
    loaded = await repository.load_conversation(KEY)
    assert loaded is not None
    loaded.state["steps"].append("changed after loading")

    again = await repository.load_conversation(KEY)

    assert again is not None
    assert again.state == {"steps": ["intro"]}


async def test_datetimes_come_back_timezone_aware_in_utc(repository: Repository) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    local_now = datetime(2025, 3, 1, 15, 0, 15, 123456, tzinfo=india)
    completed = datetime(2025, 2, 28, 20, 0, tzinfo=timezone(timedelta(hours=-8)))

    await repository.save_turn(KEY, {}, None, local_now, assessment(at=completed))
    stored = await repository.load_conversation(KEY)
    latest = await repository.latest_assessment(KEY)

    assert stored is not None
    assert latest is not None
    for value, instant in ((stored.updated_at, local_now), (latest.completed_at, completed)):
        assert value == instant
        assert value.utcoffset() == timedelta(0)
        assert value.tzinfo == UTC


@pytest.mark.parametrize(
    ("state", "now", "record", "complaint"),
    [
        ({"when": NOW}, NOW, None, "state cannot be stored as JSON"),
        ({"score": math.nan}, NOW, None, "state cannot be stored as JSON"),
        ({}, NOW.replace(tzinfo=None), None, "now must be a timezone-aware"),
        (
            {},
            NOW,
            assessment(at=NOW.replace(tzinfo=None)),
            "assessment.completed_at must be a timezone-aware",
        ),
        (
            {},
            NOW,
            assessment(scores={"central": math.inf}),
            "assessment.scores cannot be stored as JSON",
        ),
        (
            {},
            NOW,
            assessment(key=ConversationKey("slack", "T0001", "someone else")),
            "must belong to the conversation",
        ),
    ],
    ids=[
        "object-in-state",
        "nan-in-state",
        "naive-now",
        "naive-completed-at",
        "infinite-score",
        "assessment-of-another-user",
    ],
)
async def test_invalid_calls_are_refused_and_write_nothing(
    repository: Repository,
    state: dict[str, Any],
    now: datetime,
    record: AssessmentRecord | None,
    complaint: str,
) -> None:
    with pytest.raises(ValueError, match=complaint):
        await repository.save_turn(KEY, state, None, now, record)

    assert await repository.load_conversation(KEY) is None
    assert await repository.list_assessments(KEY) == []


_fresh_users = itertools.count()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=40,
    deadline=None,
    # One repository serves every example; each example saves under a fresh key.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(state=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
async def test_any_json_state_round_trips(repository: Repository, state: dict[str, Any]) -> None:
    key = ConversationKey("console", "local", f"user-{next(_fresh_users)}")

    await repository.save_turn(key, state, None, NOW)
    stored = await repository.load_conversation(key)

    assert stored is not None
    assert stored.state == state
