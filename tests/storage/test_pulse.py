"""The PulseStore contract: every implementation, on every database, behaves the same.

Respondent keys here are hashes of small numbers, as the service's HMACs would be; nothing in
these tests names a user.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert

from storage import Storage
from storage.conversations import ConversationKey
from storage.memory import MemoryStorage
from storage.migrate import upgrade
from storage.pulse import (
    PulseStore,
    ResponseOutcome,
    SurveyRecord,
    SurveyStatus,
    SurveyTally,
)
from storage.sql import SqlStorage
from storage.tables import SurveyResponse

NOW = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
DAY = timedelta(days=1)
ADDED, REPLACED, CLOSED, UNKNOWN = (
    ResponseOutcome.ADDED,
    ResponseOutcome.REPLACED,
    ResponseOutcome.CLOSED,
    ResponseOutcome.UNKNOWN,
)


def survey_id(number: int) -> str:
    return f"{number:032x}"


def respondent(number: int) -> str:
    return hashlib.sha256(f"respondent-{number}".encode()).hexdigest()


LAUNCHER = hashlib.sha256(b"launcher").hexdigest()
SURVEY_ID = survey_id(1)


def new_survey(number: int = 1, **changes: Any) -> SurveyRecord:
    values: dict[str, Any] = {
        "id": survey_id(number),
        "platform": "slack",
        "workspace": "T0001",
        "channel": "C0001",
        "launcher_key": LAUNCHER,
        "question_ids": ("sponsor", "budget"),
        "knowledge_version": "2025.03-abc123",
        "threshold": 3,
        "created_at": NOW,
        "deadline": NOW + DAY,
        "remind_at": NOW + DAY / 2,
    }
    values.update(changes)
    return SurveyRecord(**values)


def answers(number: int) -> dict[str, str]:
    return {"sponsor": f"option-{number % 3}", "budget": f"option-{number % 2}"}


def tally_of(responses: list[dict[str, str]]) -> SurveyTally:
    pairs = Counter(pair for response in responses for pair in response.items())
    counts: dict[str, dict[str, int]] = {}
    for (question, option), n in pairs.items():
        counts.setdefault(question, {})[option] = n
    return SurveyTally(len(responses), counts)


async def close(pulse: PulseStore, survey: str = SURVEY_ID) -> SurveyRecord:
    closed = await pulse.close_survey(survey, NOW + timedelta(hours=1))
    assert closed is not None
    return closed


# Creating and reading.


async def test_a_created_survey_loads_back_as_stored(pulse: PulseStore) -> None:
    survey = new_survey(message={"channel": "C0001", "ts": "1700000000.000100"})

    await pulse.create_survey(survey)

    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded == survey
    assert loaded is not None
    assert loaded.status is SurveyStatus.OPEN
    assert (loaded.tally, loaded.closed_at, loaded.results_posted_at) == (None, None, None)


async def test_a_survey_is_stored_in_utc_with_a_tuple_of_questions(pulse: PulseStore) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    survey = new_survey(
        question_ids=["sponsor", "budget", "skills"],
        created_at=NOW.astimezone(india),
        deadline=(NOW + DAY).astimezone(india),
        remind_at=None,
        status="open",
    )

    await pulse.create_survey(survey)

    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    assert loaded.question_ids == ("sponsor", "budget", "skills")
    assert (loaded.created_at, loaded.deadline, loaded.remind_at) == (NOW, NOW + DAY, None)
    assert loaded.created_at.tzinfo == UTC
    assert loaded.status is SurveyStatus.OPEN


async def test_a_survey_id_is_taken_once(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())

    with pytest.raises(ValueError, match="exists already"):
        await pulse.create_survey(new_survey(channel="C0002"))

    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    assert loaded.channel == "C0001"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"id": "A" * 32}, "survey id must be 32 lowercase hex"),
        ({"id": "a" * 31}, "survey id must be 32 lowercase hex"),
        ({"id": "g" * 32}, "survey id must be 32 lowercase hex"),
        ({"launcher_key": "U0001"}, "launcher key must be 64 lowercase hex"),
        ({"threshold": 0}, "threshold must be at least 1"),
        ({"deadline": NOW}, "deadline must be after created_at"),
        ({"question_ids": ()}, "at least one question"),
        ({"question_ids": ("sponsor", "sponsor")}, "a question twice"),
        ({"question_ids": ("sponsor", "")}, "question id must be a non-empty string"),
        ({"created_at": NOW.replace(tzinfo=None)}, "created_at must be a timezone-aware"),
        ({"deadline": (NOW + DAY).replace(tzinfo=None)}, "deadline must be a timezone-aware"),
        ({"remind_at": NOW.replace(tzinfo=None)}, "remind_at must be a timezone-aware"),
        ({"status": SurveyStatus.CLOSED}, "must be open"),
        ({"tally": SurveyTally(0)}, "cannot be closed, tallied"),
        ({"message": {"ts": object()}}, "message cannot be stored as JSON"),
        ({"platform": "p" * 33}, "platform must be at most 32"),
        ({"channel": "C\x000001"}, "channel must not contain NUL"),
        ({"workspace": "T\ud800"}, "workspace must be valid Unicode"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
async def test_invalid_surveys_are_refused_and_store_nothing(
    pulse: PulseStore, changes: dict[str, Any], complaint: str
) -> None:
    survey = new_survey(**changes)

    with pytest.raises(ValueError, match=complaint):
        await pulse.create_survey(survey)

    assert await pulse.load_survey(survey.id) is None
    assert await pulse.latest_survey("slack", "T0001", "C0001") is None


async def test_the_survey_message_is_recorded_as_a_json_copy(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    message: dict[str, Any] = {"conversation": {"id": "19:abc@thread.tacv2"}, "ids": ("a", 1)}

    await pulse.set_survey_message(SURVEY_ID, message)
    message["conversation"]["id"] = "changed after saving"
    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    loaded.message["ids"].append("changed after loading")

    again = await pulse.load_survey(SURVEY_ID)
    assert again is not None
    assert again.message == {"conversation": {"id": "19:abc@thread.tacv2"}, "ids": ["a", 1]}


async def test_an_invalid_message_is_refused_and_changes_nothing(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey(message={"ts": "1"}))

    with pytest.raises(ValueError, match="message cannot be stored as JSON"):
        await pulse.set_survey_message(SURVEY_ID, {"ts": float("nan")})

    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    assert loaded.message == {"ts": "1"}


async def test_a_message_for_no_survey_is_no_error(pulse: PulseStore) -> None:
    await pulse.set_survey_message(survey_id(99), {"ts": "1"})

    assert await pulse.load_survey(survey_id(99)) is None


@pytest.mark.parametrize(
    "forged", ["", "1", "A" * 32, "a" * 33, "a" * 31 + "\x00", "../" + "a" * 29, "a" * 31 + "é"]
)
async def test_a_forged_survey_id_names_no_survey(pulse: PulseStore, forged: str) -> None:
    await pulse.create_survey(new_survey())

    assert await pulse.load_survey(forged) is None
    assert await pulse.record_response(forged, respondent(1), answers(1), NOW) is UNKNOWN
    assert await pulse.load_response(forged, respondent(1)) is None
    assert await pulse.count_responses(forged) == 0
    assert await pulse.tally_responses(forged) == SurveyTally(0)
    assert await pulse.close_survey(forged, NOW) is None
    assert await pulse.claim_results(forged, NOW, NOW + DAY) is False
    assert await pulse.claim_reminder(forged, NOW + DAY) is False
    assert await pulse.claim_count_refresh(forged, NOW, NOW + DAY) is False
    await pulse.mark_results_posted(forged, NOW)
    await pulse.set_survey_message(forged, {})
    await pulse.delete_survey(forged)
    assert await pulse.load_survey(SURVEY_ID) is not None


async def test_the_latest_survey_of_a_channel(pulse: PulseStore) -> None:
    assert await pulse.latest_survey("slack", "T0001", "C0001") is None
    # Created out of order; only the creation time counts.
    for number, hours in ((1, 0), (2, 2), (3, 1)):
        await pulse.create_survey(new_survey(number, created_at=NOW + timedelta(hours=hours)))
    await pulse.create_survey(new_survey(4, channel="C0002", created_at=NOW + DAY / 2))
    await pulse.create_survey(new_survey(5, workspace="T0002", created_at=NOW + DAY / 2))
    await pulse.create_survey(new_survey(6, platform="teams", created_at=NOW + DAY / 2))

    latest = await pulse.latest_survey("slack", "T0001", "C0001")
    assert latest is not None
    assert latest.id == survey_id(2)

    await close(pulse, survey_id(2))
    latest_open = await pulse.latest_survey("slack", "T0001", "C0001", SurveyStatus.OPEN)
    latest_closed = await pulse.latest_survey("slack", "T0001", "C0001", SurveyStatus.CLOSED)
    assert latest_open is not None
    assert latest_open.id == survey_id(3)
    assert latest_closed is not None
    assert (latest_closed.id, latest_closed.status) == (survey_id(2), SurveyStatus.CLOSED)
    assert await pulse.latest_survey("slack", "T0001", "C0009") is None
    assert await pulse.latest_survey("slack", "T0001", "C0002", SurveyStatus.CLOSED) is None


# Responding.


async def test_a_second_response_replaces_the_first(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())

    first = {"sponsor": "cio", "budget": "central"}
    assert await pulse.record_response(SURVEY_ID, respondent(1), first, NOW) is ADDED
    assert await pulse.load_response(SURVEY_ID, respondent(1)) == first
    second = {"sponsor": "ceo"}
    assert await pulse.record_response(SURVEY_ID, respondent(1), second, NOW) is REPLACED
    assert await pulse.record_response(SURVEY_ID, respondent(2), first, NOW) is ADDED

    assert await pulse.load_response(SURVEY_ID, respondent(1)) == second
    assert await pulse.load_response(SURVEY_ID, respondent(3)) is None
    assert await pulse.count_responses(SURVEY_ID) == 2
    assert await pulse.tally_responses(SURVEY_ID) == SurveyTally(
        2, {"sponsor": {"ceo": 1, "cio": 1}, "budget": {"central": 1}}
    )


async def test_responses_are_stored_as_copies(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    sent = {"sponsor": "ünïcødé 🚀", "budget": 'a "quoted" \\ value'}

    await pulse.record_response(SURVEY_ID, respondent(1), sent, NOW)
    sent["sponsor"] = "changed after saving"
    loaded = await pulse.load_response(SURVEY_ID, respondent(1))
    assert loaded is not None
    loaded["budget"] = "changed after loading"

    assert await pulse.load_response(SURVEY_ID, respondent(1)) == {
        "sponsor": "ünïcødé 🚀",
        "budget": 'a "quoted" \\ value',
    }


async def test_responses_of_one_survey_stay_in_it(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey(1))
    await pulse.create_survey(new_survey(2))

    await pulse.record_response(survey_id(1), respondent(1), answers(1), NOW)

    assert await pulse.load_response(survey_id(2), respondent(1)) is None
    assert await pulse.count_responses(survey_id(2)) == 0
    assert await pulse.tally_responses(survey_id(2)) == SurveyTally(0)
    assert await pulse.record_response(survey_id(2), respondent(1), answers(2), NOW) is ADDED
    assert await pulse.load_response(survey_id(1), respondent(1)) == answers(1)


async def test_responses_from_the_deadline_on_are_refused(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    deadline = NOW + DAY

    just_before = deadline - timedelta(microseconds=1)
    assert await pulse.record_response(SURVEY_ID, respondent(1), answers(1), just_before) is ADDED
    for at in (deadline, deadline + timedelta(hours=1)):
        assert await pulse.record_response(SURVEY_ID, respondent(1), answers(2), at) is CLOSED
        assert await pulse.record_response(SURVEY_ID, respondent(2), answers(2), at) is CLOSED

    assert await pulse.load_response(SURVEY_ID, respondent(1)) == answers(1)
    assert await pulse.count_responses(SURVEY_ID) == 1


async def test_responses_to_a_closed_survey_are_refused(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    await pulse.record_response(SURVEY_ID, respondent(1), answers(1), NOW)
    await close(pulse)

    assert await pulse.record_response(SURVEY_ID, respondent(1), answers(2), NOW) is CLOSED
    assert await pulse.record_response(SURVEY_ID, respondent(2), answers(2), NOW) is CLOSED

    assert await pulse.load_response(SURVEY_ID, respondent(1)) == answers(1)
    assert await pulse.load_response(SURVEY_ID, respondent(2)) is None
    assert await pulse.count_responses(SURVEY_ID) == 1


async def test_responses_to_an_unknown_survey_are_unknown(pulse: PulseStore) -> None:
    assert await pulse.record_response(SURVEY_ID, respondent(1), answers(1), NOW) is UNKNOWN
    await pulse.create_survey(new_survey())
    await pulse.delete_survey(SURVEY_ID)

    assert await pulse.record_response(SURVEY_ID, respondent(1), answers(1), NOW) is UNKNOWN
    assert await pulse.count_responses(SURVEY_ID) == 0


@pytest.mark.parametrize(
    ("key", "sent", "now", "complaint"),
    [
        (respondent(1).upper(), answers(1), NOW, "respondent key must be 64 lowercase hex"),
        (respondent(1)[:63], answers(1), NOW, "respondent key must be 64 lowercase hex"),
        ("U0001", answers(1), NOW, "respondent key must be 64 lowercase hex"),
        (respondent(1), {}, NOW, "answers must be a non-empty dict"),
        (respondent(1), [("sponsor", "cio")], NOW, "answers must be a non-empty dict"),
        (respondent(1), {"sponsor": 1}, NOW, "option id must be a non-empty string"),
        (respondent(1), {"sponsor": None}, NOW, "option id must be a non-empty string"),
        (respondent(1), {"sponsor": ""}, NOW, "option id must be a non-empty string"),
        (respondent(1), {7: "cio"}, NOW, "question id must be a non-empty string"),
        (respondent(1), {"sponsor": "c\x00io"}, NOW, "option id must not contain NUL"),
        (respondent(1), {"sponsor": "x" * 256}, NOW, "option id must be at most 255"),
        (respondent(1), answers(1), NOW.replace(tzinfo=None), "now must be a timezone-aware"),
    ],
    ids=[
        "uppercase-key",
        "short-key",
        "user-id-as-key",
        "no-answers",
        "not-a-dict",
        "number",
        "none",
        "empty-option",
        "number-as-question",
        "nul",
        "too-long",
        "naive-now",
    ],
)
async def test_invalid_responses_are_refused_and_write_nothing(
    pulse: PulseStore, key: str, sent: Any, now: datetime, complaint: str
) -> None:
    await pulse.create_survey(new_survey())

    with pytest.raises(ValueError, match=complaint) as raised:
        await pulse.record_response(SURVEY_ID, key, sent, now)

    assert "cio" not in str(raised.value)
    assert await pulse.count_responses(SURVEY_ID) == 0


async def test_of_twenty_simultaneous_first_responses_one_is_added(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    sent = [answers(number) for number in range(20)]

    outcomes = await asyncio.wait_for(
        asyncio.gather(
            *(pulse.record_response(SURVEY_ID, respondent(1), one, NOW) for one in sent)
        ),
        timeout=60,
    )

    assert sorted(outcomes) == sorted([ADDED] + [REPLACED] * 19)
    assert await pulse.load_response(SURVEY_ID, respondent(1)) in sent
    assert await pulse.count_responses(SURVEY_ID) == 1


# Tallying and closing.


async def test_the_tally_counts_respondents_and_each_chosen_option(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    sent = [
        {"sponsor": "cio", "budget": "central"},
        {"sponsor": "cio", "budget": "split"},
        {"sponsor": "ceo"},
        {"budget": "central"},
    ]
    for number, one in enumerate(sent):
        await pulse.record_response(SURVEY_ID, respondent(number), one, NOW)

    expected = SurveyTally(
        4, {"sponsor": {"cio": 2, "ceo": 1}, "budget": {"central": 2, "split": 1}}
    )
    assert await pulse.tally_responses(SURVEY_ID) == expected
    assert await pulse.tally_responses(survey_id(2)) == SurveyTally(0, {})
    closed = await close(pulse)
    assert closed.tally == expected


async def test_closing_stores_the_tally_and_happens_once(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    for number in range(5):
        await pulse.record_response(SURVEY_ID, respondent(number), answers(number), NOW)
    closing_time = (NOW + timedelta(hours=2)).astimezone(timezone(timedelta(hours=-5)))

    closed = await pulse.close_survey(SURVEY_ID, closing_time)

    assert closed is not None
    assert closed == replace(
        new_survey(),
        status=SurveyStatus.CLOSED,
        closed_at=NOW + timedelta(hours=2),
        tally=tally_of([answers(number) for number in range(5)]),
    )
    assert await pulse.load_survey(SURVEY_ID) == closed
    assert await pulse.close_survey(SURVEY_ID, NOW + DAY) is None
    assert await pulse.load_survey(SURVEY_ID) == closed
    assert await pulse.close_survey(survey_id(2), NOW) is None


async def test_closing_refuses_a_naive_time(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())

    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        await pulse.close_survey(SURVEY_ID, NOW.replace(tzinfo=None))

    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    assert loaded.status is SurveyStatus.OPEN


async def test_of_twenty_simultaneous_closes_exactly_one_closes(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    await pulse.record_response(SURVEY_ID, respondent(1), answers(1), NOW)

    outcomes = await asyncio.wait_for(
        asyncio.gather(*(pulse.close_survey(SURVEY_ID, NOW) for _ in range(20))), timeout=60
    )

    closed = [outcome for outcome in outcomes if outcome is not None]
    assert len(closed) == 1
    assert closed[0].tally == SurveyTally(1, {k: {v: 1} for k, v in answers(1).items()})
    assert await pulse.load_survey(SURVEY_ID) == closed[0]


# Claims: each job is done by exactly one caller.


async def test_results_are_claimed_once_until_the_lease_ends(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    lease = timedelta(minutes=5)
    assert await pulse.claim_results(SURVEY_ID, NOW, NOW + lease) is False  # still open
    await close(pulse)

    assert await pulse.claim_results(SURVEY_ID, NOW, NOW + lease) is True
    assert await pulse.claim_results(SURVEY_ID, NOW + lease / 2, NOW + 2 * lease) is False
    # The claimant died: once its lease is over, another takes the job.
    assert await pulse.claim_results(SURVEY_ID, NOW + lease, NOW + 2 * lease) is True
    await pulse.mark_results_posted(SURVEY_ID, NOW + lease)

    assert await pulse.claim_results(SURVEY_ID, NOW + DAY, NOW + DAY + lease) is False
    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    assert loaded.results_posted_at == NOW + lease
    # Posting again changes nothing; the first posting time stays.
    await pulse.mark_results_posted(SURVEY_ID, NOW + DAY)
    again = await pulse.load_survey(SURVEY_ID)
    assert again is not None
    assert again.results_posted_at == NOW + lease


async def test_results_of_an_open_survey_are_never_marked_posted(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())

    await pulse.mark_results_posted(SURVEY_ID, NOW)

    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    assert loaded.results_posted_at is None


@pytest.mark.parametrize(
    ("now", "until", "complaint"),
    [
        (NOW, NOW, "lease_until must be after now"),
        (NOW, NOW - DAY, "lease_until must be after now"),
        (NOW.replace(tzinfo=None), NOW + DAY, "now must be a timezone-aware"),
        (NOW, (NOW + DAY).replace(tzinfo=None), "lease_until must be a timezone-aware"),
    ],
    ids=["empty-lease", "past-lease", "naive-now", "naive-lease"],
)
async def test_invalid_results_claims_are_refused(
    pulse: PulseStore, now: datetime, until: datetime, complaint: str
) -> None:
    await pulse.create_survey(new_survey())
    await close(pulse)

    with pytest.raises(ValueError, match=complaint):
        await pulse.claim_results(SURVEY_ID, now, until)

    assert await pulse.claim_results(SURVEY_ID, NOW, NOW + DAY) is True


async def test_the_reminder_is_claimed_once_when_due(pulse: PulseStore) -> None:
    remind_at = NOW + DAY / 2
    await pulse.create_survey(new_survey(remind_at=remind_at))
    await pulse.create_survey(new_survey(2, remind_at=None))

    assert await pulse.claim_reminder(SURVEY_ID, remind_at - timedelta(seconds=1)) is False
    assert await pulse.claim_reminder(SURVEY_ID, remind_at) is True
    assert await pulse.claim_reminder(SURVEY_ID, remind_at + timedelta(hours=1)) is False
    assert await pulse.claim_reminder(survey_id(2), NOW + DAY / 2) is False

    loaded = await pulse.load_survey(SURVEY_ID)
    assert loaded is not None
    assert loaded.reminded_at == remind_at


async def test_no_reminder_for_a_closed_or_expired_survey(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey(1))
    await pulse.create_survey(new_survey(2))
    await close(pulse, survey_id(1))

    assert await pulse.claim_reminder(survey_id(1), NOW + DAY / 2) is False
    # Past the deadline the survey takes no answers: nobody is to be reminded to give one.
    assert await pulse.claim_reminder(survey_id(2), NOW + DAY) is False


async def test_a_count_refresh_is_claimed_once_per_window(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    window = timedelta(seconds=2)

    assert await pulse.claim_count_refresh(SURVEY_ID, NOW, NOW + window) is True
    assert await pulse.claim_count_refresh(SURVEY_ID, NOW + window / 2, NOW + 2 * window) is False
    assert await pulse.claim_count_refresh(SURVEY_ID, NOW + window, NOW + 2 * window) is True
    # A window of zero hands out every refresh.
    later = NOW + DAY / 4
    assert await pulse.claim_count_refresh(SURVEY_ID, later, later) is True
    assert await pulse.claim_count_refresh(SURVEY_ID, later, later) is True
    assert await pulse.claim_count_refresh(survey_id(2), NOW, NOW + window) is False


@pytest.mark.parametrize("job", ["results", "reminder", "count-refresh"])
async def test_of_twenty_simultaneous_claims_exactly_one_wins(pulse: PulseStore, job: str) -> None:
    await pulse.create_survey(new_survey())
    at = NOW + DAY / 2  # the reminder's time
    if job == "results":
        await close(pulse)
        claims = [pulse.claim_results(SURVEY_ID, at, at + DAY) for _ in range(20)]
    elif job == "reminder":
        claims = [pulse.claim_reminder(SURVEY_ID, at) for _ in range(20)]
    else:
        claims = [pulse.claim_count_refresh(SURVEY_ID, at, at + DAY) for _ in range(20)]

    outcomes = await asyncio.wait_for(asyncio.gather(*claims), timeout=60)

    assert sorted(outcomes) == [False] * 19 + [True]


# Scheduling.


async def test_surveys_due_are_exactly_the_three_kinds_oldest_deadline_first(
    pulse: PulseStore,
) -> None:
    at = NOW + 2 * DAY
    lease = timedelta(minutes=5)

    async def make(number: int, deadline_days: float, remind: bool = False) -> str:
        deadline = NOW + DAY * deadline_days
        remind_at = NOW + DAY if remind else None
        await pulse.create_survey(new_survey(number, deadline=deadline, remind_at=remind_at))
        return survey_id(number)

    to_close = await make(1, 1.5)
    to_post = await make(2, 1.2)
    to_remind = await make(3, 3, remind=True)
    await make(4, 3)  # open, deadline ahead, no reminder
    reminded = await make(5, 3, remind=True)
    await pulse.claim_reminder(reminded, NOW + DAY)
    posted = await make(6, 1.1)
    claimed = await make(7, 1.3)
    for number in (to_post, posted, claimed):
        await close(pulse, number)
    await pulse.claim_results(posted, NOW, NOW + lease)
    await pulse.mark_results_posted(posted, NOW)
    await pulse.claim_results(claimed, at - lease, at + lease)

    due = await pulse.surveys_due(at)

    assert [survey.id for survey in due] == [to_post, to_close, to_remind]
    assert [survey.id for survey in await pulse.surveys_due(at, limit=2)] == [to_post, to_close]
    assert due[0] == await pulse.load_survey(to_post)
    # When the lease runs out, the claimed survey's results are due again.
    later = [survey.id for survey in await pulse.surveys_due(at + lease)]
    assert later == [to_post, claimed, to_close, to_remind]
    # Earlier, only the closed survey without a claim has anything to do.
    assert [survey.id for survey in await pulse.surveys_due(NOW)] == [to_post]


async def test_surveys_due_refuses_a_naive_time_or_no_limit(pulse: PulseStore) -> None:
    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        await pulse.surveys_due(NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="limit must be at least 1"):
        await pulse.surveys_due(NOW, limit=0)


# Deleting.


async def test_deleting_a_survey_removes_its_responses(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey(1))
    await pulse.create_survey(new_survey(2))
    for number in range(3):
        await pulse.record_response(survey_id(1), respondent(number), answers(number), NOW)
    await pulse.record_response(survey_id(2), respondent(1), answers(1), NOW)

    await pulse.delete_survey(survey_id(1))
    await pulse.delete_survey(survey_id(1))

    assert await pulse.load_survey(survey_id(1)) is None
    assert await pulse.count_responses(survey_id(1)) == 0
    assert await pulse.load_response(survey_id(1), respondent(1)) is None
    assert await pulse.count_responses(survey_id(2)) == 1
    # The id is free again, and the new survey starts empty.
    await pulse.create_survey(new_survey(1))
    assert await pulse.tally_responses(survey_id(1)) == SurveyTally(0)


async def test_deleting_a_workspace_removes_its_surveys_and_counts_their_responses(
    storage: Storage,
) -> None:
    await storage.pulse.create_survey(new_survey(1))
    await storage.pulse.create_survey(new_survey(2, channel="C0002"))
    await storage.pulse.create_survey(new_survey(3, workspace="T0002"))
    await storage.pulse.create_survey(new_survey(4, platform="teams"))
    for survey in (1, 2, 3, 4):
        for number in range(survey):
            await storage.pulse.record_response(
                survey_id(survey), respondent(number), answers(1), NOW
            )
    await storage.conversations.save_turn(ConversationKey("slack", "T0001", "U0001"), {}, None, NOW)

    # One conversation, two surveys, and their 1 + 2 responses.
    assert await storage.lifecycle.delete_workspace("slack", "T0001") == 6

    for gone in (1, 2):
        assert await storage.pulse.load_survey(survey_id(gone)) is None
        assert await storage.pulse.count_responses(survey_id(gone)) == 0
    for kept in (3, 4):
        assert await storage.pulse.load_survey(survey_id(kept)) is not None
        assert await storage.pulse.count_responses(survey_id(kept)) == kept
    assert await storage.lifecycle.delete_workspace("slack", "T0001") == 0


# Races: many people answering at once, and a close in the middle of them.


async def test_a_burst_of_changing_answers_keeps_one_answer_each(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    shuffle = random.Random(20250301)
    sent: dict[str, list[dict[str, str]]] = {}
    calls = []
    for number in range(100):
        times = 2 + number % 2  # alternately two and three answers, each different
        sent[respondent(number)] = [answers(number + offset) for offset in range(times)]
        calls += [(respondent(number), one) for one in sent[respondent(number)]]
    while len(calls) < 300:  # top up to 300 calls with a third answer from the first ones
        number = 300 - len(calls)
        extra = {"sponsor": "late", "budget": f"late-{number}"}
        sent[respondent(number)].append(extra)
        calls.append((respondent(number), extra))
    shuffle.shuffle(calls)

    outcomes = await asyncio.wait_for(
        asyncio.gather(*(pulse.record_response(SURVEY_ID, k, a, NOW) for k, a in calls)),
        timeout=120,
    )

    assert len(calls) == 300
    assert Counter(outcomes) == {ADDED: 100, REPLACED: 200}
    kept = {key: await pulse.load_response(SURVEY_ID, key) for key in sent}
    for key, answer in kept.items():
        assert answer in sent[key]
    assert await pulse.count_responses(SURVEY_ID) == 100
    expected = tally_of([answer for answer in kept.values() if answer is not None])
    assert await pulse.tally_responses(SURVEY_ID) == expected
    assert (await close(pulse)).tally == expected


async def test_a_burst_of_repeated_answers_tallies_exactly(pulse: PulseStore) -> None:
    await pulse.create_survey(new_survey())
    calls = [(respondent(number), answers(number)) for number in range(100) for _ in range(3)]
    random.Random(7).shuffle(calls)

    outcomes = await asyncio.wait_for(
        asyncio.gather(*(pulse.record_response(SURVEY_ID, k, a, NOW) for k, a in calls)),
        timeout=120,
    )

    assert Counter(outcomes) == {ADDED: 100, REPLACED: 200}
    expected = tally_of([answers(number) for number in range(100)])
    assert await pulse.tally_responses(SURVEY_ID) == expected
    assert (await close(pulse)).tally == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_close_during_a_burst_tallies_exactly_what_stays(
    pulse: PulseStore, seed: int
) -> None:
    await pulse.create_survey(new_survey())
    for number in range(20):  # some are in for sure
        await pulse.record_response(SURVEY_ID, respondent(number), answers(number), NOW)
    # The rest start over 20 ms, as the close does: before it, during it and after it.
    spread = random.Random(seed)
    delays = [spread.uniform(0, 0.02) for _ in range(200)]
    closed_done = asyncio.Event()
    started_after_close: list[int] = []

    async def respond(number: int) -> ResponseOutcome:
        await asyncio.sleep(delays[number])
        if closed_done.is_set():
            started_after_close.append(number)
        return await pulse.record_response(SURVEY_ID, respondent(number), answers(number), NOW)

    async def close_now() -> SurveyRecord | None:
        await asyncio.sleep(0.005)
        closed = await pulse.close_survey(SURVEY_ID, NOW)
        closed_done.set()
        return closed

    closing = asyncio.create_task(close_now())
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(respond(number) for number in range(20, 200))), timeout=120
    )
    closed = await asyncio.wait_for(closing, timeout=60)
    late = await pulse.record_response(SURVEY_ID, respondent(999), answers(1), NOW)

    assert closed is not None
    assert set(outcomes) <= {ADDED, CLOSED}
    assert all(outcomes[number - 20] is CLOSED for number in started_after_close)
    assert late is CLOSED
    # The stored tally is exactly the rows that exist now, which are exactly the accepted ones.
    accepted = list(range(20)) + [n for n, outcome in enumerate(outcomes, 20) if outcome is ADDED]
    assert closed.tally == await pulse.tally_responses(SURVEY_ID)
    assert closed.tally == tally_of([answers(number) for number in accepted])
    assert await pulse.count_responses(SURVEY_ID) == len(accepted)
    for number, outcome in enumerate(outcomes, 20):
        stored = await pulse.load_response(SURVEY_ID, respondent(number))
        assert (stored is not None) == (outcome is ADDED)


async def test_a_large_survey_tallies_exactly(storage: Storage) -> None:
    # 10,000 responses of five answers: the database aggregates (see
    # storage/sql/pulse_statements.py); bulk-inserted, as 10,000 commits would take long.
    pulse = storage.pulse
    await pulse.create_survey(new_survey(question_ids=("q0", "q1", "q2", "q3", "q4")))
    choose = random.Random(5)
    sent = [{f"q{q}": f"option-{choose.randrange(4)}" for q in range(5)} for _ in range(10_000)]
    if isinstance(storage, SqlStorage):
        rows = [
            {"survey_id": SURVEY_ID, "respondent_key": respondent(number), "answers": one}
            for number, one in enumerate(sent)
        ]
        async with storage.database.engine.begin() as connection:
            await connection.execute(insert(SurveyResponse), rows)
    else:
        assert isinstance(storage, MemoryStorage)
        for number, one in enumerate(sent):
            await pulse.record_response(SURVEY_ID, respondent(number), one, NOW)

    expected = tally_of(sent)
    assert await pulse.tally_responses(SURVEY_ID) == expected
    assert (await close(pulse)).tally == expected


# Two storages on one database stand for two bot processes.


@pytest.fixture(
    params=[
        pytest.param("sqlite-file", id="sqlite-file"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def shared_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """A database both storages use; sync for the reason `backend_url` gives."""
    if request.param == "sqlite-file":
        return sqlite_url
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def two_processes(shared_url: str) -> AsyncIterator[tuple[PulseStore, PulseStore]]:
    await upgrade(shared_url)
    first, second = SqlStorage.from_url(shared_url), SqlStorage.from_url(shared_url)
    try:
        yield first.pulse, second.pulse
    finally:
        await first.close()
        await second.close()


async def test_two_processes_record_each_respondent_once(
    two_processes: tuple[PulseStore, PulseStore],
) -> None:
    first, second = two_processes
    await first.create_survey(new_survey())
    calls = [
        process.record_response(SURVEY_ID, respondent(number), answers(number), NOW)
        for number in range(30)
        for process in (first, second, first)
    ]

    outcomes = await asyncio.wait_for(asyncio.gather(*calls), timeout=120)

    assert Counter(outcomes) == {ADDED: 30, REPLACED: 60}
    assert await second.tally_responses(SURVEY_ID) == tally_of([answers(n) for n in range(30)])


async def test_two_processes_close_and_claim_each_thing_once(
    two_processes: tuple[PulseStore, PulseStore],
) -> None:
    first, second = two_processes
    await first.create_survey(new_survey())
    at = NOW + DAY / 2  # the reminder's time
    both = (first, second) * 10

    reminders = await asyncio.gather(*(r.claim_reminder(SURVEY_ID, at) for r in both))
    refreshes = await asyncio.gather(
        *(r.claim_count_refresh(SURVEY_ID, at, at + DAY) for r in both)
    )
    closes = await asyncio.gather(*(r.close_survey(SURVEY_ID, at) for r in both))
    results = await asyncio.gather(*(r.claim_results(SURVEY_ID, at, at + DAY) for r in both))

    assert sorted(reminders) == sorted(refreshes) == sorted(results) == [False] * 19 + [True]
    assert len([closed for closed in closes if closed is not None]) == 1
