"""The LifecycleStore contract (forgetting a person, retention purges): every
implementation, on every database, deletes exactly the same rows and counts them the same."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from storage import Storage
from storage.admin import AuditRecord, KnowledgeLoadRecord, LoadOutcome
from storage.conversations import AssessmentRecord, ConversationKey
from storage.lifecycle import NOBODY, RETIRED_ACTOR, Forgotten, LifecycleStore
from storage.pulse import SurveyRecord, SurveyTally
from storage.sql import SqlStorage
from tests.storage.conftest import IN_MEMORY_SQLITE

NOW = datetime(2025, 6, 1, 12, 0, 0, 250000, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=30)
TICK = timedelta(microseconds=1)
KEY = ConversationKey("slack", "T0001", "U0001")
COLLEAGUE = ConversationKey("slack", "T0001", "U0002")
ELSEWHERE = [ConversationKey("slack", "T0002", "U0001"), ConversationKey("teams", "T0001", "U0001")]
ASKING = {"phase": "asking", "answers": {"sponsor": "cio"}}


def assessment(key: ConversationKey, at: datetime = NOW, **changes: Any) -> AssessmentRecord:
    values: dict[str, Any] = {
        "knowledge_version": "2025.06-abc",
        "recommendation": "it_led",
        "clarity": "clear",
        "answers": {"sponsor": "cio"},
        "scores": {"it_led": 1.0},
    }
    return AssessmentRecord(key=key, completed_at=at, **{**values, **changes})


def survey_id(number: int) -> str:
    return f"{number:032x}"


def person_key(key: ConversationKey, purpose: str, survey: str = "") -> str:
    """Stands for the service's HMACs: distinct per person (and survey), 64 hex characters."""
    text = f"{purpose}:{key.platform}:{key.workspace}:{key.user}:{survey}"
    return hashlib.sha256(text.encode()).hexdigest()


def respondent_of(key: ConversationKey) -> Callable[[str], str]:
    return lambda survey: person_key(key, "respondent", survey)


def survey(number: int, *, launcher: ConversationKey = COLLEAGUE, **changes: Any) -> SurveyRecord:
    values: dict[str, Any] = {
        "id": survey_id(number),
        "platform": launcher.platform,
        "workspace": launcher.workspace,
        "channel": "C0001",
        "launcher_key": person_key(launcher, "launcher"),
        "question_ids": ("sponsor",),
        "knowledge_version": "2025.06-abc",
        "threshold": 1,
        "created_at": NOW - timedelta(days=90),
        "deadline": NOW + timedelta(days=1),
    }
    return SurveyRecord(**{**values, **changes})


async def answered(storage: Storage, number: int, *people: ConversationKey) -> None:
    for person in people:
        key = respondent_of(person)(survey_id(number))
        await storage.pulse.record_response(survey_id(number), key, {"sponsor": "cio"}, NOW - TICK)


async def closed(storage: Storage, number: int, at: datetime) -> SurveyRecord:
    record = await storage.pulse.close_survey(survey_id(number), at)
    assert record is not None
    return record


# --- forgetting a person ------------------------------------------------------------------------


async def test_forgetting_deletes_the_persons_rows_only_and_counts_them(storage: Storage) -> None:
    for key in (KEY, COLLEAGUE, *ELSEWHERE):
        await storage.conversations.save_turn(key, {"of": key.user}, None, NOW, assessment(key))
        await storage.conversations.save_turn(
            key, ASKING, 1, NOW, assessment(key, recommendation="again")
        )
        await storage.conversations.save_reference(key, {"user": key.user}, NOW)

    forgotten = await storage.lifecycle.forget_user(KEY)

    assert forgotten == Forgotten(conversation=ASKING, assessments=2, references=1)
    assert forgotten.anything
    assert await storage.conversations.load_conversation(KEY) is None
    assert await storage.conversations.list_assessments(KEY) == []
    assert await storage.conversations.load_reference(KEY) is None
    for kept in (COLLEAGUE, *ELSEWHERE):
        stored = await storage.conversations.load_conversation(kept)
        assert stored is not None
        assert stored.state == ASKING
        assert len(await storage.conversations.list_assessments(kept)) == 2
        assert await storage.conversations.load_reference(kept) == {"user": kept.user}
    # Forgetting again finds nothing; the person can start afresh.
    assert await storage.lifecycle.forget_user(KEY) == Forgotten()
    assert not Forgotten().anything
    assert await storage.conversations.save_turn(KEY, {}, None, NOW) == 1


async def test_forgetting_deletes_their_survey_answers_and_keeps_closed_tallies(
    storage: Storage,
) -> None:
    other_workspace = ELSEWHERE[0]
    for number in (1, 2, 3):
        await storage.pulse.create_survey(survey(number))
    await storage.pulse.create_survey(survey(4, launcher=other_workspace))
    await answered(storage, 1, KEY, COLLEAGUE)
    await answered(storage, 2, KEY)
    await answered(storage, 3, COLLEAGUE)
    await answered(storage, 4, other_workspace)
    before = await closed(storage, 1, NOW)

    forgotten = await storage.lifecycle.forget_user(KEY, respondent_key=respondent_of(KEY))

    assert forgotten == Forgotten(survey_answers=2)
    assert [await storage.pulse.count_responses(survey_id(n)) for n in (1, 2, 3, 4)] == [1, 0, 1, 1]
    assert await storage.pulse.load_response(survey_id(2), respondent_of(KEY)(survey_id(2))) is None
    after = await storage.pulse.load_survey(survey_id(1))
    assert after is not None
    assert after.tally == before.tally == SurveyTally(2, {"sponsor": {"cio": 2}})
    assert (
        await storage.lifecycle.forget_user(KEY, respondent_key=respondent_of(KEY)) == Forgotten()
    )


async def test_forgetting_unlinks_the_surveys_they_launched_in_that_workspace(
    storage: Storage,
) -> None:
    await storage.pulse.create_survey(survey(1, launcher=KEY))
    await storage.pulse.create_survey(survey(2, launcher=KEY, channel="C0002"))
    await storage.pulse.create_survey(survey(3, launcher=COLLEAGUE))
    await storage.pulse.create_survey(survey(4, launcher=ELSEWHERE[0]))
    mine = person_key(KEY, "launcher")
    await answered(storage, 1, COLLEAGUE)

    forgotten = await storage.lifecycle.forget_user(KEY, launcher_key=mine)

    assert forgotten == Forgotten(launched_surveys=2)
    launchers = [(await storage.pulse.load_survey(survey_id(n))) for n in (1, 2, 3, 4)]
    assert [record.launcher_key if record else None for record in launchers] == [
        NOBODY,
        NOBODY,
        person_key(COLLEAGUE, "launcher"),
        person_key(ELSEWHERE[0], "launcher"),
    ]
    assert await storage.pulse.count_responses(survey_id(1)) == 1  # the team's answers stay


async def test_forgetting_takes_the_delivery_keys_of_their_chat_literally(storage: Storage) -> None:
    prefix = "teams:a:1_x%:"
    keys = [
        f"{prefix}1",
        f"{prefix}2",
        "teams:a:1_x%",  # the conversation id alone: not a key of that chat
        "teams:a:1AxZ:3",  # `_` and `%` are not wildcards
        "teams:A:1_X%:4",  # nor is the comparison blind to case
        "slack:event:Ev01",
    ]
    for key in keys:
        await storage.conversations.record_delivery(key, NOW)

    assert await storage.lifecycle.forget_user(KEY, delivery_prefix=prefix) == Forgotten(
        deliveries=2
    )

    assert [await storage.conversations.record_delivery(key, NOW) for key in keys] == [
        True,
        True,
    ] + [False] * 4


async def test_forgetting_counts_the_admin_records_it_keeps(storage: Storage) -> None:
    def entry(actor: str, workspace: str = KEY.workspace) -> AuditRecord:
        return AuditRecord(NOW, KEY.platform, actor, "knowledge.reload", "ok", workspace)

    await storage.admin.record_audit(entry(KEY.user))
    await storage.admin.record_audit(entry(KEY.user, workspace="T0002"))
    await storage.admin.record_audit(entry(COLLEAGUE.user))
    load = KnowledgeLoadRecord(
        NOW, KEY.platform, KEY.user, LoadOutcome.FAILED, KEY.workspace, errors=("x.yml:1: bad",)
    )
    await storage.admin.record_knowledge_load(load)

    assert await storage.lifecycle.forget_user(KEY) == Forgotten(admin_records=2)
    assert len(await storage.admin.audit_entries()) == 3


async def test_a_wrong_launcher_key_is_refused_and_nothing_is_deleted(storage: Storage) -> None:
    await storage.conversations.save_turn(KEY, {}, None, NOW)

    with pytest.raises(ValueError, match="launcher key"):
        await storage.lifecycle.forget_user(KEY, launcher_key="not a key")

    assert await storage.conversations.load_conversation(KEY) is not None


async def test_two_simultaneous_forgets_delete_everything_once(storage: Storage) -> None:
    await storage.conversations.save_turn(KEY, ASKING, None, NOW, assessment(KEY))
    await storage.pulse.create_survey(survey(1, launcher=KEY))
    await storage.pulse.create_survey(survey(2, launcher=COLLEAGUE))
    await answered(storage, 1, KEY)
    await answered(storage, 2, KEY, COLLEAGUE)
    respondent, launcher = respondent_of(KEY), person_key(KEY, "launcher")

    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                storage.lifecycle.forget_user(KEY, respondent_key=respondent, launcher_key=launcher)
                for _ in range(2)
            )
        ),
        timeout=60,
    )

    assert sorted(results, key=lambda f: f.deleted_rows) == [
        Forgotten(),
        Forgotten(conversation=ASKING, assessments=1, survey_answers=2, launched_surveys=1),
    ]


# --- purging conversations and assessments ------------------------------------------------------


async def test_conversations_not_updated_since_the_cutoff_are_purged(storage: Storage) -> None:
    people = [ConversationKey("slack", "T0001", f"U{n}") for n in range(4)]
    times = [CUTOFF - timedelta(days=3), CUTOFF - TICK, CUTOFF, NOW]
    for person, at in zip(people, times, strict=True):
        await storage.conversations.save_turn(
            person, ASKING, None, at, assessment(person, at - timedelta(days=9))
        )

    # The cutoff in another time zone is the same instant.
    assert (
        await storage.lifecycle.purge_conversations(
            CUTOFF.astimezone(timezone(timedelta(hours=-7))), 10
        )
        == 2
    )
    assert await storage.lifecycle.purge_conversations(CUTOFF, 10) == 0

    assert [await storage.conversations.load_conversation(p) is not None for p in people] == [
        False,
        False,
        True,
        True,
    ]
    # Their completed assessments are another rule's business.
    assert all([len(await storage.conversations.list_assessments(p)) == 1 for p in people])


async def test_references_go_with_the_last_activity_of_their_person(storage: Storage) -> None:
    idle, active, stale_both, fresh = (ConversationKey("teams", "t", f"u{n}") for n in range(4))
    old = CUTOFF - timedelta(days=1)
    for person in (idle, active, stale_both):
        await storage.conversations.save_reference(person, {"of": person.user}, old)
    await storage.conversations.save_reference(fresh, {"of": fresh.user}, NOW)
    await storage.conversations.save_turn(
        active, {}, None, NOW
    )  # still talking: the reference still serves
    await storage.conversations.save_turn(stale_both, {}, None, old)

    # The stale conversation and two references.
    assert await storage.lifecycle.purge_conversations(CUTOFF, 10) == 3

    assert [
        await storage.conversations.load_reference(p) is not None
        for p in (idle, active, stale_both, fresh)
    ] == [
        False,
        True,
        False,
        True,
    ]


async def test_purges_work_in_batches_of_the_oldest_first(storage: Storage) -> None:
    people = [ConversationKey("slack", "T0001", f"U{n}") for n in range(5)]
    for n, person in enumerate(people):
        at = CUTOFF - timedelta(days=5 - n)
        await storage.conversations.save_turn(person, {}, None, at, assessment(person, at))

    assert [await storage.lifecycle.purge_conversations(CUTOFF, 2) for _ in range(4)] == [
        2,
        2,
        1,
        0,
    ]
    assert [await storage.lifecycle.purge_assessments(CUTOFF, 3) for _ in range(3)] == [3, 2, 0]


async def test_assessments_completed_before_the_cutoff_are_purged(storage: Storage) -> None:
    history = [CUTOFF - timedelta(days=400), CUTOFF - TICK, CUTOFF, NOW]
    version = None
    for at in history:
        version = await storage.conversations.save_turn(KEY, {}, version, NOW, assessment(KEY, at))

    assert await storage.lifecycle.purge_assessments(CUTOFF, 10) == 2

    assert [
        record.completed_at for record in await storage.conversations.list_assessments(KEY)
    ] == [CUTOFF, NOW]


async def test_delivery_keys_are_purged_oldest_first_in_batches(storage: Storage) -> None:
    for n in range(5):
        await storage.conversations.record_delivery(f"Ev{n}", CUTOFF - timedelta(hours=5 - n))
    await storage.conversations.record_delivery("Ev-late", CUTOFF)

    assert [await storage.lifecycle.purge_deliveries(CUTOFF, 2) for _ in range(4)] == [2, 2, 1, 0]

    assert await storage.conversations.record_delivery("Ev-late", NOW) is False
    assert await storage.conversations.record_delivery("Ev0", NOW) is True


# --- purging surveys -----------------------------------------------------------------------------


async def test_responses_of_surveys_closed_before_the_cutoff_go_and_tallies_stay(
    storage: Storage,
) -> None:
    people = [ConversationKey("slack", "T0001", f"U{n}") for n in range(3)]
    for number in (1, 2, 3):
        await storage.pulse.create_survey(survey(number))
        await answered(storage, number, *people)
    first = await closed(storage, 1, CUTOFF - TICK)
    await closed(storage, 2, CUTOFF)  # survey 3 stays open, however old

    assert [await storage.lifecycle.purge_survey_responses(CUTOFF, 2) for _ in range(3)] == [
        2,
        1,
        0,
    ]

    assert [await storage.pulse.count_responses(survey_id(n)) for n in (1, 2, 3)] == [0, 3, 3]
    kept = await storage.pulse.load_survey(survey_id(1))
    assert kept is not None
    assert kept.tally == first.tally == SurveyTally(3, {"sponsor": {"cio": 3}})


async def test_surveys_closed_before_the_cutoff_can_go_whole(storage: Storage) -> None:
    for number in (1, 2, 3, 4):
        await storage.pulse.create_survey(survey(number))
        await answered(storage, number, KEY, COLLEAGUE)
    await closed(storage, 1, CUTOFF - timedelta(days=2))
    await closed(storage, 2, CUTOFF - TICK)
    await closed(storage, 3, CUTOFF)

    # Survey 1 and its two responses, then survey 2 and its two.
    assert [await storage.lifecycle.purge_surveys(CUTOFF, 1) for _ in range(3)] == [3, 3, 0]

    assert [await storage.pulse.load_survey(survey_id(n)) is not None for n in (1, 2, 3, 4)] == [
        False,
        False,
        True,
        True,
    ]
    assert await storage.pulse.count_responses(survey_id(1)) == 0


# --- purging the knowledge loads and the audit log ----------------------------------------------


def ok_load(version: str, at: datetime, actor: str = "U0ADMIN") -> KnowledgeLoadRecord:
    return KnowledgeLoadRecord(
        loaded_at=at,
        platform="slack",
        actor=actor,
        outcome=LoadOutcome.OK,
        workspace="T0001",
        version=version,
        counts={"questions": 12},
        files={"questions.yml": "questions: []\n"},
    )


def failed_load(at: datetime) -> KnowledgeLoadRecord:
    return KnowledgeLoadRecord(at, "server", "file-watch", LoadOutcome.FAILED, errors=("a:1: x",))


async def test_old_knowledge_loads_are_retired_but_the_latest_and_every_version_stay(
    storage: Storage,
) -> None:
    old = CUTOFF - timedelta(days=10)
    ids = [
        await storage.admin.record_knowledge_load(ok_load("v1", old)),  # superseded by a later v1
        await storage.admin.record_knowledge_load(failed_load(old)),
        await storage.admin.record_knowledge_load(ok_load("v2", old)),  # the only v2: reduced
        await storage.admin.record_knowledge_load(ok_load("v1", old)),  # the last v1: reduced
        await storage.admin.record_knowledge_load(ok_load("v3", old)),  # among the latest two: kept
        await storage.admin.record_knowledge_load(failed_load(NOW)),  # recent: kept
        await storage.admin.record_knowledge_load(ok_load("v4", old)),  # active: kept
    ]

    # Deleted: the first v1 and the old failure; reduced: v2 and the last v1.
    assert await storage.lifecycle.purge_knowledge_loads(CUTOFF, 2, 10) == 4
    assert await storage.lifecycle.purge_knowledge_loads(CUTOFF, 2, 10) == 0

    loads = [await storage.admin.knowledge_load(load_id) for load_id in ids]
    assert [load is not None for load in loads] == [False, False, True, True, True, True, True]
    for retired in (loads[2], loads[3]):
        assert retired is not None
        assert (retired.actor, retired.workspace, retired.files, retired.counts) == (
            RETIRED_ACTOR,
            None,
            {},
            {},
        )
    assert loads[4] is not None
    assert loads[4].files
    assert loads[4].actor == "U0ADMIN"
    head = await storage.admin.active_knowledge()
    assert head is not None
    assert head.version == "v4"
    # A process starting from an old copy of the files still sees it was superseded.
    assert [await storage.admin.knowledge_version_known(v) for v in ("v1", "v2", "v3", "v5")] == [
        True,
        True,
        True,
        False,
    ]
    view = await storage.admin.knowledge_loads()
    assert view.active is not None
    assert view.active.version == "v4"


async def test_the_active_knowledge_is_never_purged(storage: Storage) -> None:
    load_id = await storage.admin.record_knowledge_load(ok_load("v1", CUTOFF - timedelta(days=400)))

    assert await storage.lifecycle.purge_knowledge_loads(NOW + timedelta(days=1), 1, 10) == 0

    load = await storage.admin.knowledge_load(load_id)
    assert load is not None
    assert load.files


async def test_audit_entries_before_the_cutoff_are_purged_in_batches(storage: Storage) -> None:
    for at in (CUTOFF - timedelta(days=2), CUTOFF - timedelta(days=1), CUTOFF - TICK, CUTOFF, NOW):
        await storage.admin.record_audit(
            AuditRecord(at, "slack", "U0ADMIN", "knowledge.reload", "ok")
        )

    assert [await storage.lifecycle.purge_audit(CUTOFF, 2) for _ in range(3)] == [2, 1, 0]

    assert [entry.at for entry in await storage.admin.audit_entries()] == [NOW, CUTOFF]


# --- arguments and concurrency -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda lifecycle: lifecycle.purge_conversations(NOW.replace(tzinfo=None), 10),
        lambda lifecycle: lifecycle.purge_conversations(NOW, 0),
        lambda lifecycle: lifecycle.purge_assessments(NOW, 0),
        lambda lifecycle: lifecycle.purge_deliveries(NOW, 0),
        lambda lifecycle: lifecycle.purge_survey_responses(NOW.replace(tzinfo=None), 1),
        lambda lifecycle: lifecycle.purge_surveys(NOW, 0),
        lambda lifecycle: lifecycle.purge_knowledge_loads(NOW, 0, 10),
        lambda lifecycle: lifecycle.purge_audit(NOW.replace(tzinfo=None), 1),
    ],
    ids=["naive", "limit", "assessments", "deliveries", "responses", "surveys", "keep", "audit"],
)
async def test_wrong_arguments_are_refused(
    storage: Storage, call: Callable[[LifecycleStore], Awaitable[int]]
) -> None:
    await storage.conversations.save_turn(KEY, {}, None, CUTOFF - timedelta(days=1))

    with pytest.raises(ValueError, match=r"\w"):
        await call(storage.lifecycle)

    assert await storage.conversations.load_conversation(KEY) is not None


@pytest.fixture
async def second(storage: Storage, backend_url: str | None) -> AsyncIterator[LifecycleStore]:
    """Another lifecycle store on the same database, as another process would have (the same
    object where the database lives in one process: memory, in-memory SQLite)."""
    if backend_url is None or backend_url == IN_MEMORY_SQLITE:
        yield storage.lifecycle
        return
    other = SqlStorage.from_url(backend_url)
    try:
        yield other.lifecycle
    finally:
        await other.close()


async def test_concurrent_purges_delete_each_row_once(
    storage: Storage, second: LifecycleStore
) -> None:
    for n in range(60):
        person = ConversationKey("slack", "T0001", f"U{n:03}")
        await storage.conversations.save_turn(
            person, {}, None, CUTOFF - timedelta(minutes=n + 1), assessment(person, CUTOFF - TICK)
        )
        await storage.conversations.record_delivery(f"Ev{n:03}", CUTOFF - timedelta(minutes=n + 1))

    async def drain(lifecycle: LifecycleStore, purge: str) -> int:
        total = 0
        while (deleted := await getattr(lifecycle, purge)(CUTOFF, 7)) > 0:
            total += deleted
            await asyncio.sleep(0)
        return total

    for purge in ("purge_conversations", "purge_assessments", "purge_deliveries"):
        counts = await asyncio.wait_for(
            asyncio.gather(*(drain(r, purge) for r in (storage.lifecycle, second) * 2)),
            timeout=60,
        )
        assert sum(counts) == 60, purge
    assert (
        await storage.conversations.load_conversation(ConversationKey("slack", "T0001", "U000"))
        is None
    )


# --- every table has a rule ----------------------------------------------------------------------

# Where each table stands on uninstall (delete_workspace), forget-me (forget_user) and retention
# (purge_*); docs/privacy.md, "Data lifecycle". A new table fails the test below until it is
# placed here.
RULES = {
    "conversations": "uninstall, forget, retention",
    "assessments": "uninstall, forget, retention with RETENTION_ASSESSMENTS",
    "conversation_references": "uninstall, forget, retention",
    "surveys": "uninstall; forget unlinks the launcher; retention with RETENTION_ASSESSMENTS",
    "survey_responses": "uninstall, forget (by respondent key), retention once closed",
    "survey_series": "uninstall; forget unlinks the launcher; no retention (a row per series)",
    "survey_marks": "deleted at close; uninstall, forget (by member key)",
    "deliveries": "retention after a day; forget (Teams private chat); ids only",
    "knowledge_loads": "kept on uninstall and forget (counted); retention retires",
    "audit_log": "kept on uninstall and forget (counted); retention",
    "slack_installations": "uninstall (the installation store)",
    "slack_bots": "uninstall (the installation store)",
}


def test_every_table_has_a_lifecycle_rule() -> None:
    from storage.tables import metadata

    assert set(metadata.tables) == set(RULES)
