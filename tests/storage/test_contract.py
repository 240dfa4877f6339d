"""The ConversationStore contract (and the lifecycle store's deliveries and workspace deletion):
every implementation, on every database, behaves the same."""

from __future__ import annotations

import asyncio
import itertools
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import Storage
from storage.conversations import (
    DELIVERY_KEY_LENGTH,
    AssessmentRecord,
    ConversationKey,
    ConversationStore,
)
from storage.errors import ConcurrentUpdateError, DuplicateDeliveryError

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


async def test_loading_an_unknown_conversation_gives_none(conversations: ConversationStore) -> None:
    assert await conversations.load_conversation(KEY) is None


async def test_first_save_creates_version_one(conversations: ConversationStore) -> None:
    assert await conversations.save_turn(KEY, {"step": "intro"}, None, NOW) == 1

    stored = await conversations.load_conversation(KEY)

    assert stored is not None
    assert (stored.key, stored.state, stored.version, stored.updated_at) == (
        KEY,
        {"step": "intro"},
        1,
        NOW,
    )


async def test_saving_the_loaded_version_increments_it(conversations: ConversationStore) -> None:
    await conversations.save_turn(KEY, {"step": 1}, None, NOW)

    for expected in (2, 3, 4):
        stored = await conversations.load_conversation(KEY)
        assert stored is not None
        later = NOW + timedelta(minutes=expected)
        assert (
            await conversations.save_turn(KEY, {"step": expected}, stored.version, later)
            == expected
        )

    final = await conversations.load_conversation(KEY)
    assert final is not None
    assert (final.state, final.version, final.updated_at) == (
        {"step": 4},
        4,
        NOW + timedelta(minutes=4),
    )


async def test_a_stale_version_is_refused_and_nothing_is_written(
    conversations: ConversationStore,
) -> None:
    await conversations.save_turn(KEY, {"step": 1}, None, NOW)
    await conversations.save_turn(KEY, {"step": 2}, 1, NOW)

    with pytest.raises(ConcurrentUpdateError):
        await conversations.save_turn(
            KEY, {"step": "stale"}, 1, NOW + timedelta(hours=1), assessment()
        )

    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version, stored.updated_at) == ({"step": 2}, 2, NOW)
    assert await conversations.list_assessments(KEY) == []


async def test_a_version_for_a_missing_conversation_is_refused(
    conversations: ConversationStore,
) -> None:
    with pytest.raises(ConcurrentUpdateError):
        await conversations.save_turn(KEY, {"step": 1}, 1, NOW, assessment())

    assert await conversations.load_conversation(KEY) is None
    assert await conversations.latest_assessment(KEY) is None


async def test_a_second_first_save_is_refused(conversations: ConversationStore) -> None:
    await conversations.save_turn(KEY, {"who": "first"}, None, NOW)

    with pytest.raises(ConcurrentUpdateError):
        await conversations.save_turn(KEY, {"who": "second"}, None, NOW, assessment())

    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"who": "first"}, 1)
    assert await conversations.list_assessments(KEY) == []


async def test_of_two_simultaneous_first_saves_exactly_one_wins(
    conversations: ConversationStore,
) -> None:
    outcomes = await asyncio.gather(
        conversations.save_turn(KEY, {"who": "a"}, None, NOW, assessment(recommendation="a")),
        conversations.save_turn(KEY, {"who": "b"}, None, NOW, assessment(recommendation="b")),
        return_exceptions=True,
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "ConcurrentUpdateError",
        "int",
    ]
    winner = "a" if outcomes[0] == 1 else "b"
    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.state, stored.version) == ({"who": winner}, 1)
    assert [record.recommendation for record in await conversations.list_assessments(KEY)] == [
        winner
    ]


async def test_assessments_are_saved_with_the_turn_and_read_oldest_first(
    conversations: ConversationStore,
) -> None:
    assert await conversations.latest_assessment(KEY) is None
    times = [NOW + timedelta(days=2), NOW, NOW + timedelta(days=5)]
    version = None
    for number, at in enumerate(times):
        record = assessment(at=at, recommendation=f"model-{number}")
        version = await conversations.save_turn(KEY, {"done": number}, version, at, record)

    history = await conversations.list_assessments(KEY)
    assert [record.recommendation for record in history] == ["model-1", "model-0", "model-2"]
    assert history[0] == assessment(at=NOW, recommendation="model-1")
    assert await conversations.latest_assessment(KEY) == history[-1]


async def test_assessments_completed_at_the_same_instant_keep_their_save_order(
    conversations: ConversationStore,
) -> None:
    await conversations.save_turn(KEY, {}, None, NOW, assessment(recommendation="earlier"))
    await conversations.save_turn(KEY, {}, 1, NOW, assessment(recommendation="later"))

    history = await conversations.list_assessments(KEY)
    latest = await conversations.latest_assessment(KEY)

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
    conversations: ConversationStore, other: ConversationKey
) -> None:
    await conversations.save_turn(KEY, {"mine": True}, None, NOW, assessment())

    assert await conversations.load_conversation(other) is None
    assert await conversations.latest_assessment(other) is None
    assert await conversations.list_assessments(other) == []
    assert await conversations.save_turn(other, {"theirs": True}, None, NOW) == 1
    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert stored.state == {"mine": True}


async def test_nested_unicode_state_round_trips(conversations: ConversationStore) -> None:
    state = {
        "answers": {"sponsor": {"choice": "cio", "said": "¿Quién? 首席信息官 🚀 שלום"}},
        "history": [["intro", 1], ["sponsor", 2.5], [], {}],
        "flags": {"done": False, "skipped": None, "count": 0, "big": 2**53 + 1},
        "quoting": 'a "quoted" \\ back\tslash\n and a nul \u0000',
        "ключ": "значение",
    }

    await conversations.save_turn(KEY, state, None, NOW)
    stored = await conversations.load_conversation(KEY)

    assert stored is not None
    assert stored.state == state


async def test_state_is_stored_as_json(conversations: ConversationStore) -> None:
    await conversations.save_turn(KEY, {"pair": ("a", 1), "by_number": {7: "seven"}}, None, NOW)
    stored = await conversations.load_conversation(KEY)

    assert stored is not None
    assert stored.state == {"pair": ["a", 1], "by_number": {"7": "seven"}}


async def test_the_stored_state_is_a_copy(conversations: ConversationStore) -> None:
    state: dict[str, Any] = {"steps": ["intro"]}
    await conversations.save_turn(KEY, state, None, NOW)
    state["steps"].append("changed after saving")
    loaded = await conversations.load_conversation(KEY)
    assert loaded is not None
    loaded.state["steps"].append("changed after loading")

    again = await conversations.load_conversation(KEY)

    assert again is not None
    assert again.state == {"steps": ["intro"]}


async def test_datetimes_come_back_timezone_aware_in_utc(conversations: ConversationStore) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    local_now = datetime(2025, 3, 1, 15, 0, 15, 123456, tzinfo=india)
    completed = datetime(2025, 2, 28, 20, 0, tzinfo=timezone(timedelta(hours=-8)))

    await conversations.save_turn(KEY, {}, None, local_now, assessment(at=completed))
    stored = await conversations.load_conversation(KEY)
    latest = await conversations.latest_assessment(KEY)

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
    conversations: ConversationStore,
    state: dict[str, Any],
    now: datetime,
    record: AssessmentRecord | None,
    complaint: str,
) -> None:
    with pytest.raises(ValueError, match=complaint):
        await conversations.save_turn(KEY, state, None, now, record)

    assert await conversations.load_conversation(KEY) is None
    assert await conversations.list_assessments(KEY) == []


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
    # One store serves every example; each example saves under a fresh key.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(state=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
async def test_any_json_state_round_trips(
    conversations: ConversationStore, state: dict[str, Any]
) -> None:
    key = ConversationKey("console", "local", f"user-{next(_fresh_users)}")

    await conversations.save_turn(key, state, None, NOW)
    stored = await conversations.load_conversation(key)

    assert stored is not None
    assert stored.state == state


# Deliveries: a retried Slack event, a double click, a Teams redelivery is processed once.


async def test_a_delivery_is_new_only_the_first_time(conversations: ConversationStore) -> None:
    assert await conversations.record_delivery("Ev0001", NOW) is True
    assert await conversations.record_delivery("Ev0001", NOW) is False
    assert await conversations.record_delivery("Ev0001", NOW + timedelta(days=1)) is False
    assert await conversations.record_delivery("Ev0002", NOW) is True
    # Keys are compared exactly: case and trailing spaces make another key.
    assert await conversations.record_delivery("ev0001", NOW) is True
    assert await conversations.record_delivery("Ev0001 ", NOW) is True


async def test_of_twenty_simultaneous_deliveries_of_one_key_exactly_one_is_new(
    conversations: ConversationStore,
) -> None:
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(conversations.record_delivery("Ev-retried", NOW) for _ in range(20))),
        timeout=60,
    )

    assert sorted(outcomes) == [False] * 19 + [True]


@pytest.mark.parametrize(
    "key",
    ["k" * DELIVERY_KEY_LENGTH, "🚀" * DELIVERY_KEY_LENGTH, "29:1a-ÄÖ/ü?x=y&z#\t'\"%"],
    ids=["longest-ascii", "longest-non-ascii", "punctuation"],
)
async def test_any_key_up_to_the_length_limit_is_accepted(
    conversations: ConversationStore, key: str
) -> None:
    assert await conversations.record_delivery(key, NOW) is True
    assert await conversations.record_delivery(key, NOW) is False


@pytest.mark.parametrize(
    ("key", "now", "complaint"),
    [
        ("k" * (DELIVERY_KEY_LENGTH + 1), NOW, "at most 255 characters"),
        ("", NOW, "must not be empty"),
        ("Ev\x000001", NOW, "must not contain NUL"),
        ("Ev\ud8000001", NOW, "valid Unicode"),
        ("Ev0001", NOW.replace(tzinfo=None), "now must be a timezone-aware"),
    ],
    ids=["too-long", "empty", "nul", "lone-surrogate", "naive-now"],
)
async def test_invalid_deliveries_are_refused_and_record_nothing(
    conversations: ConversationStore, key: str, now: datetime, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as raised:
        await conversations.record_delivery(key, now)

    if key:
        assert key not in str(raised.value)
    assert await conversations.record_delivery("Ev0001", NOW) is True


async def test_purging_forgets_deliveries_recorded_before_the_cutoff(
    storage: Storage,
) -> None:
    for hours_ago in (3, 2, 1, 0):
        await storage.conversations.record_delivery(
            f"Ev-{hours_ago}h", NOW - timedelta(hours=hours_ago)
        )
    # The same instant as NOW - 1 hour, written in another time zone.
    cutoff = (NOW - timedelta(hours=1)).astimezone(timezone(timedelta(hours=-5)))

    assert await storage.lifecycle.purge_deliveries(cutoff) == 2
    assert await storage.lifecycle.purge_deliveries(cutoff) == 0

    # Purged keys are new again; the recent ones, the one at the cutoff included, are not.
    assert [await storage.conversations.record_delivery(f"Ev-{h}h", NOW) for h in (3, 2, 1, 0)] == [
        True,
        True,
        False,
        False,
    ]


async def test_purging_an_empty_table_deletes_nothing(storage: Storage) -> None:
    assert await storage.lifecycle.purge_deliveries(NOW) == 0


async def test_purging_refuses_a_naive_cutoff(storage: Storage) -> None:
    await storage.conversations.record_delivery("Ev0001", NOW - timedelta(days=1))

    with pytest.raises(ValueError, match="before must be a timezone-aware"):
        await storage.lifecycle.purge_deliveries(NOW.replace(tzinfo=None))

    assert await storage.conversations.record_delivery("Ev0001", NOW) is False


# Uninstalling: everything a workspace left behind goes, and nothing else.


async def test_deleting_a_workspace_removes_its_rows_only_and_counts_them(
    storage: Storage,
) -> None:
    colleague = ConversationKey(KEY.platform, KEY.workspace, "U0002")
    other_workspace = ConversationKey(KEY.platform, "T0002", KEY.user)
    other_platform = ConversationKey("teams", KEY.workspace, KEY.user)
    await storage.conversations.save_turn(KEY, {"step": 1}, None, NOW, assessment())
    await storage.conversations.save_turn(
        KEY, {"step": 2}, 1, NOW, assessment(recommendation="again")
    )
    await storage.conversations.save_turn(colleague, {"step": 1}, None, NOW, assessment(colleague))
    await storage.conversations.save_turn(
        ConversationKey(KEY.platform, KEY.workspace, "U0003"), {}, None, NOW
    )
    for key in (other_workspace, other_platform):
        await storage.conversations.save_turn(key, {"kept": True}, None, NOW, assessment(key))
    await storage.conversations.record_delivery("Ev0001", NOW)

    # Three conversations and three assessments.
    assert await storage.lifecycle.delete_workspace(KEY.platform, KEY.workspace) == 6

    for gone in (KEY, colleague):
        assert await storage.conversations.load_conversation(gone) is None
        assert await storage.conversations.list_assessments(gone) == []
    for kept in (other_workspace, other_platform):
        stored = await storage.conversations.load_conversation(kept)
        assert stored is not None
        assert stored.state == {"kept": True}
        assert await storage.conversations.list_assessments(kept) == [assessment(kept)]
    assert await storage.conversations.record_delivery("Ev0001", NOW) is False
    assert await storage.lifecycle.delete_workspace(KEY.platform, KEY.workspace) == 0
    # The workspace can start afresh, as after a reinstall.
    assert await storage.conversations.save_turn(KEY, {}, None, NOW) == 1


async def test_deleting_an_unknown_workspace_deletes_nothing(storage: Storage) -> None:
    await storage.conversations.save_turn(KEY, {}, None, NOW, assessment())

    assert await storage.lifecycle.delete_workspace("slack", "T9999") == 0
    assert await storage.lifecycle.delete_workspace("teams", KEY.workspace) == 0
    assert await storage.conversations.load_conversation(KEY) is not None


# Conversation references: what it takes to message a user later, unprompted.

# A Bot Framework ConversationReference as `ConversationReference().serialize()` gives it.
REFERENCE: dict[str, Any] = {
    "activityId": "f:1700000000000",
    "user": {"id": "29:1a2B-Zoë", "name": "Zoë Ångström-李", "aadObjectId": "0b8f-4c1e"},
    "bot": {"id": "28:advisor-app-id", "name": "AI Ownership Advisor"},
    "conversation": {
        "isGroup": False,
        "conversationType": "personal",
        "id": "a:1XyZ-שלום-🚀",
        "tenantId": "tenant-1",
    },
    "channelId": "msteams",
    "locale": "de-DE",
    "serviceUrl": "https://smba.trafficmanager.net/emea/",
}


async def test_loading_a_missing_reference_gives_none(conversations: ConversationStore) -> None:
    await conversations.save_turn(KEY, {}, None, NOW)

    assert await conversations.load_reference(KEY) is None


async def test_a_saved_reference_loads_back(conversations: ConversationStore) -> None:
    await conversations.save_reference(KEY, REFERENCE, NOW)

    assert await conversations.load_reference(KEY) == REFERENCE


async def test_saving_again_replaces_the_reference_in_one_row(storage: Storage) -> None:
    await storage.conversations.save_reference(KEY, {"activityId": "first"}, NOW)
    await storage.conversations.save_reference(
        KEY, {"activityId": "second"}, NOW + timedelta(days=1)
    )
    # The last write wins, even with an earlier `now`.
    await storage.conversations.save_reference(KEY, REFERENCE, NOW - timedelta(days=1))

    assert await storage.conversations.load_reference(KEY) == REFERENCE
    # Deleting the workspace counts the rows: one reference, no leftovers.
    assert await storage.lifecycle.delete_workspace(KEY.platform, KEY.workspace) == 1


@pytest.mark.parametrize(
    "other",
    [
        ConversationKey("teams", KEY.workspace, KEY.user),
        ConversationKey(KEY.platform, "T0002", KEY.user),
        ConversationKey(KEY.platform, KEY.workspace, "U0002"),
    ],
    ids=["platform", "workspace", "user"],
)
async def test_keys_isolate_references(
    conversations: ConversationStore, other: ConversationKey
) -> None:
    await conversations.save_reference(KEY, {"mine": True}, NOW)

    assert await conversations.load_reference(other) is None
    await conversations.save_reference(other, {"theirs": True}, NOW)
    assert await conversations.load_reference(KEY) == {"mine": True}
    assert await conversations.load_reference(other) == {"theirs": True}


async def test_nested_unicode_references_round_trip(conversations: ConversationStore) -> None:
    reference = {
        **REFERENCE,
        "extra": {"path": [["a", 1], ["b", 2.5], [], {}], "big": 2**53 + 1, "none": None},
        "quoting": 'a "quoted" \\ back\tslash\n and a nul \u0000',
        "ключ": {"值": ["¿Quién?", "🚀"]},
    }

    await conversations.save_reference(KEY, reference, NOW)

    assert await conversations.load_reference(KEY) == reference


async def test_references_are_stored_as_json_copies(conversations: ConversationStore) -> None:
    reference: dict[str, Any] = {"pair": ("a", 1), "by_number": {7: "seven"}, "list": ["x"]}
    await conversations.save_reference(KEY, reference, NOW)
    reference["list"].append("changed after saving")
    loaded = await conversations.load_reference(KEY)
    assert loaded is not None
    loaded["list"].append("changed after loading")

    assert await conversations.load_reference(KEY) == {
        "pair": ["a", 1],
        "by_number": {"7": "seven"},
        "list": ["x"],
    }


@pytest.mark.parametrize(
    ("reference", "now", "complaint"),
    [
        ({"secret": object()}, NOW, "reference cannot be stored as JSON"),
        ({"secret": math.nan}, NOW, "reference cannot be stored as JSON"),
        ({"secret": "s3cr3t-service-url"}, NOW.replace(tzinfo=None), "now must be a timezone"),
    ],
    ids=["object", "nan", "naive-now"],
)
async def test_invalid_references_are_refused_and_change_nothing(
    conversations: ConversationStore, reference: dict[str, Any], now: datetime, complaint: str
) -> None:
    other = ConversationKey(KEY.platform, KEY.workspace, "U0002")
    await conversations.save_reference(KEY, {"kept": True}, NOW)

    for key in (KEY, other):
        with pytest.raises(ValueError, match=complaint) as raised:
            await conversations.save_reference(key, reference, now)
        assert "s3cr3t" not in str(raised.value)

    assert await conversations.load_reference(KEY) == {"kept": True}
    assert await conversations.load_reference(other) is None


async def test_of_twenty_simultaneous_reference_saves_one_is_kept_whole(
    storage: Storage,
) -> None:
    saved = [{**REFERENCE, "activityId": f"activity-{number}"} for number in range(20)]

    await asyncio.wait_for(
        asyncio.gather(
            *(storage.conversations.save_reference(KEY, reference, NOW) for reference in saved)
        ),
        timeout=60,
    )

    assert await storage.conversations.load_reference(KEY) in saved
    assert await storage.lifecycle.delete_workspace(KEY.platform, KEY.workspace) == 1


async def test_deleting_a_workspace_removes_its_references_only_and_counts_them(
    storage: Storage,
) -> None:
    colleague = ConversationKey(KEY.platform, KEY.workspace, "U0002")
    kept = [
        ConversationKey(KEY.platform, "T0002", KEY.user),
        ConversationKey("teams", KEY.workspace, KEY.user),
    ]
    await storage.conversations.save_turn(KEY, {}, None, NOW)
    for key in (KEY, colleague, *kept):
        await storage.conversations.save_reference(key, {"of": key.user}, NOW)

    # One conversation and two references.
    assert await storage.lifecycle.delete_workspace(KEY.platform, KEY.workspace) == 3

    assert await storage.conversations.load_reference(KEY) is None
    assert await storage.conversations.load_reference(colleague) is None
    for key in kept:
        assert await storage.conversations.load_reference(key) == {"of": key.user}
    assert await storage.lifecycle.delete_workspace(KEY.platform, KEY.workspace) == 0
    # A reinstalled workspace saves references afresh.
    await storage.conversations.save_reference(KEY, REFERENCE, NOW)
    assert await storage.conversations.load_reference(KEY) == REFERENCE


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(reference=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
async def test_any_json_reference_round_trips(
    conversations: ConversationStore, reference: dict[str, Any]
) -> None:
    key = ConversationKey("console", "local", f"user-{next(_fresh_users)}")

    await conversations.save_reference(key, reference, NOW)

    assert await conversations.load_reference(key) == reference


async def test_a_turn_records_its_delivery_with_its_save(conversations: ConversationStore) -> None:
    version = await conversations.save_turn(KEY, {"n": 1}, None, NOW, delivery_key="teams:a:1")
    assert version == 1
    assert await conversations.record_delivery("teams:a:1", NOW) is False


async def test_a_redelivered_turn_writes_nothing(conversations: ConversationStore) -> None:
    await conversations.save_turn(KEY, {"n": 1}, None, NOW, delivery_key="teams:a:1")
    with pytest.raises(DuplicateDeliveryError):
        await conversations.save_turn(
            KEY, {"n": 2}, 1, NOW, assessment=assessment(), delivery_key="teams:a:1"
        )
    stored = await conversations.load_conversation(KEY)
    assert stored is not None
    assert (stored.version, stored.state) == (1, {"n": 1})
    assert await conversations.list_assessments(KEY) == []


async def test_a_conflicting_turn_leaves_its_delivery_unrecorded(
    conversations: ConversationStore,
) -> None:
    await conversations.save_turn(KEY, {"n": 1}, None, NOW)
    with pytest.raises(ConcurrentUpdateError):
        await conversations.save_turn(KEY, {"n": 2}, 7, NOW, delivery_key="teams:a:2")
    # The retry of that turn must still be able to record it.
    assert await conversations.save_turn(KEY, {"n": 2}, 1, NOW, delivery_key="teams:a:2") == 2
