"""The SeriesStore and ReminderStore contracts: every implementation, on every database,
behaves the same. Member keys here are hashes of small numbers, as the service's HMACs would be.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage import Storage
from storage.conversations import ConversationKey
from storage.lifecycle import NO_LAUNCHER, NOBODY
from storage.pulse import ResponseOutcome, SurveyRecord, SurveyStatus
from storage.reminders import MarkOutcome
from storage.series import Cadence, PauseReason, SeriesRecord, SeriesStatus
from storage.sql import SqlStorage
from tests.storage.conftest import IN_MEMORY_SQLITE
from tests.storage.test_pulse import LAUNCHER, new_survey, respondent, survey_id

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SERIES = "a" * 32


def member(number: int) -> str:
    return hashlib.sha256(f"member-{number}".encode()).hexdigest()


def new_series(series_id: str = SERIES, **changes: Any) -> SeriesRecord:
    values: dict[str, Any] = {
        "id": series_id,
        "platform": "slack",
        "workspace": "T0001",
        "channel": "C0001",
        "launcher": "U0LAUNCH",
        "launcher_key": LAUNCHER,
        "cadence": Cadence.MONTHLY,
        "timezone": "Europe/Paris",
        "starts_at": NOW,
        "round_length": 3 * DAY,
        "threshold": 3,
        "remind": True,
        "created_at": NOW - HOUR,
        "next_open_at": NOW,
        "address": {"reference": {"conversation": {"id": "19:abc@thread.tacv2"}}},
    }
    values.update(changes)
    return SeriesRecord(**values)


def round_survey(number: int, round_number: int, series_id: str = SERIES) -> SurveyRecord:
    return new_survey(
        number,
        series_id=series_id,
        round_number=round_number,
        created_at=NOW,
        deadline=NOW + 3 * DAY,
        remind_at=NOW + 2 * DAY,
    )


@pytest.fixture
async def other(storage: Storage, backend_url: str | None) -> AsyncIterator[Storage]:
    """The same database as another process would see it."""
    if backend_url is None or backend_url == IN_MEMORY_SQLITE:
        yield storage
        return
    second = SqlStorage.from_url(backend_url)
    try:
        yield second
    finally:
        await second.close()


async def open_first_round(storage: Storage) -> SurveyRecord:
    await storage.series.create_series(new_series())
    survey = round_survey(1, 1)
    assert await storage.series.open_round(SERIES, 1, survey, 1, NOW + 31 * DAY, NOW + HOUR)
    return survey


# --- series ----------------------------------------------------------------------------------


async def test_a_created_series_loads_back_as_stored(storage: Storage) -> None:
    series = new_series()
    await storage.series.create_series(series)

    assert await storage.series.load_series(SERIES) == series
    assert await storage.series.channel_series("slack", "T0001", "C0001") == [series]
    assert await storage.series.channel_series("slack", "T0001", "C0002") == []


async def test_a_series_is_refused_when_malformed(storage: Storage) -> None:
    bad = [
        new_series("not-an-id"),
        new_series(launcher_key="x"),
        new_series(round_length=timedelta(0)),
        new_series(round_length=timedelta(seconds=1.5)),
        new_series(threshold=0),
        new_series(starts_at=datetime(2026, 1, 1)),  # naive
        new_series(status=SeriesStatus.PAUSED),
        new_series(timezone="x" * 65),
        new_series(channel="C\x00"),
    ]
    for series in bad:
        with pytest.raises(ValueError, match="must"):
            await storage.series.create_series(series)
    await storage.series.create_series(new_series())
    with pytest.raises(ValueError, match="exists already"):
        await storage.series.create_series(new_series())
    assert await storage.series.load_series("forged") is None


async def test_series_due_are_the_active_ones_whose_opening_came(storage: Storage) -> None:
    await storage.series.create_series(new_series(survey_id(1), next_open_at=NOW))
    await storage.series.create_series(new_series(survey_id(2), next_open_at=NOW + HOUR))
    await storage.series.create_series(new_series(survey_id(3), next_open_at=NOW - HOUR))
    await storage.series.set_series_status(
        survey_id(3), SeriesStatus.PAUSED, reason=PauseReason.BY_PERSON
    )

    due = await storage.series.series_due(NOW)

    assert [series.id for series in due] == [survey_id(1)]
    assert len(await storage.series.series_due(NOW + HOUR)) == 2


async def test_a_round_opens_once_and_moves_the_series_on(storage: Storage) -> None:
    survey = await open_first_round(storage)

    series = await storage.series.load_series(SERIES)
    assert series is not None
    assert (series.next_round, series.next_occurrence) == (2, 1)
    assert series.next_open_at == NOW + 31 * DAY
    assert await storage.pulse.load_survey(survey.id) == survey
    # The same round again, as a second process would try: refused, nothing written.
    again = round_survey(2, 1)
    assert not await storage.series.open_round(SERIES, 1, again, 1, NOW, NOW + HOUR)
    assert await storage.pulse.load_survey(again.id) is None
    assert [r.id for r in await storage.series.series_rounds(SERIES)] == [survey.id]


async def test_concurrent_openings_of_one_round_have_one_winner(
    storage: Storage, other: Storage
) -> None:
    await storage.series.create_series(new_series())
    attempts = [
        (storage if n % 2 else other).series.open_round(
            SERIES, 1, round_survey(10 + n, 1), 1, NOW + 31 * DAY, NOW + HOUR
        )
        for n in range(8)
    ]

    won = await asyncio.gather(*attempts)

    assert sum(won) == 1
    assert len(await storage.series.series_rounds(SERIES)) == 1


async def test_a_round_is_refused_when_it_does_not_say_it_is_that_round(
    storage: Storage,
) -> None:
    await storage.series.create_series(new_series())
    for survey in (round_survey(1, 2), new_survey(1), round_survey(1, 1, survey_id(9))):
        with pytest.raises(ValueError, match="must carry"):
            await storage.series.open_round(SERIES, 1, survey, 1, NOW, NOW + HOUR)


async def test_a_paused_or_stopped_series_opens_no_round(storage: Storage) -> None:
    await storage.series.create_series(new_series())
    paused = await storage.series.set_series_status(
        SERIES, SeriesStatus.PAUSED, reason=PauseReason.BY_PERSON
    )
    assert paused is not None
    assert paused.paused_reason is PauseReason.BY_PERSON

    assert not await storage.series.open_round(SERIES, 1, round_survey(1, 1), 1, NOW, NOW + HOUR)

    resumed = await storage.series.set_series_status(
        SERIES, SeriesStatus.ACTIVE, next_occurrence=3, next_open_at=NOW + 90 * DAY
    )
    assert resumed is not None
    assert (resumed.status, resumed.paused_reason) == (SeriesStatus.ACTIVE, None)
    assert (resumed.next_occurrence, resumed.next_open_at) == (3, NOW + 90 * DAY)
    stopped = await storage.series.set_series_status(SERIES, SeriesStatus.STOPPED)
    assert stopped is not None
    assert stopped.status is SeriesStatus.STOPPED
    # A stopped series stays stopped, and is listed only on request.
    assert (
        await storage.series.set_series_status(
            SERIES, SeriesStatus.ACTIVE, next_occurrence=4, next_open_at=NOW
        )
        is None
    )
    assert await storage.series.set_series_status(SERIES, SeriesStatus.STOPPED) is None
    assert await storage.series.channel_series("slack", "T0001", "C0001") == []
    listed = await storage.series.channel_series("slack", "T0001", "C0001", include_stopped=True)
    assert [series.id for series in listed] == [SERIES]


async def test_status_changes_need_what_they_set(storage: Storage) -> None:
    await storage.series.create_series(new_series())
    with pytest.raises(ValueError, match="needs"):
        await storage.series.set_series_status(SERIES, SeriesStatus.PAUSED)
    with pytest.raises(ValueError, match="needs"):
        await storage.series.set_series_status(SERIES, SeriesStatus.ACTIVE)
    assert (
        await storage.series.set_series_status(
            SERIES, SeriesStatus.ACTIVE, next_occurrence=1, next_open_at=NOW
        )
        is None  # it is active already
    )


async def test_rounds_are_listed_newest_first(storage: Storage) -> None:
    await storage.series.create_series(new_series())
    for number in range(1, 5):
        survey = round_survey(number, number)
        assert await storage.series.open_round(
            SERIES, number, survey, number, NOW + number * 31 * DAY, NOW + HOUR
        )

    rounds = await storage.series.series_rounds(SERIES, limit=3)

    assert [r.round_number for r in rounds] == [4, 3, 2]
    assert await storage.series.series_rounds("forged") == []


# --- a round's card --------------------------------------------------------------------------


async def test_the_opener_holds_the_card_until_its_claim_runs_out(storage: Storage) -> None:
    survey = await open_first_round(storage)

    assert not await storage.series.claim_round_card(survey.id, NOW, NOW + HOUR)
    assert [s.id for s in await storage.pulse.surveys_due(NOW)] == []
    # The opener died: its claim runs out, the round is due, one process takes the card over.
    later = NOW + HOUR
    assert [s.id for s in await storage.pulse.surveys_due(later)] == [survey.id]
    won = await asyncio.gather(
        *(storage.series.claim_round_card(survey.id, later, later + HOUR) for _ in range(4))
    )
    assert sum(won) == 1


async def test_a_posted_card_ends_the_job(storage: Storage) -> None:
    survey = await open_first_round(storage)
    await storage.pulse.set_survey_message(survey.id, {"channel": "C0001", "ts": "1.2"})

    later = NOW + 2 * HOUR
    assert not await storage.series.claim_round_card(survey.id, later, later + HOUR)
    assert await storage.pulse.surveys_due(later) == []


async def test_an_ordinary_survey_has_no_card_job(storage: Storage) -> None:
    await storage.pulse.create_survey(new_survey(1))
    assert not await storage.series.claim_round_card(survey_id(1), NOW, NOW + HOUR)


async def test_a_round_that_could_not_be_posted_is_taken_back(storage: Storage) -> None:
    survey = await open_first_round(storage)
    await storage.reminders.mark_responded(survey.id, [member(1)])

    paused = await storage.series.unopen_round(survey.id, PauseReason.CANNOT_POST)

    assert paused is not None
    assert (paused.status, paused.paused_reason) == (SeriesStatus.PAUSED, PauseReason.CANNOT_POST)
    assert paused.next_round == 1  # the number is given back: rounds stay 1, 2, 3 ...
    assert await storage.pulse.load_survey(survey.id) is None
    assert await storage.reminders.marked_members(survey.id) == set()
    assert await storage.series.unopen_round(survey.id, PauseReason.CANNOT_POST) is None
    await storage.pulse.create_survey(new_survey(7))
    assert await storage.series.unopen_round(survey_id(7), PauseReason.CANNOT_POST) is None


# --- marks and reminders ---------------------------------------------------------------------


async def test_members_are_reminded_once_and_never_after_answering(storage: Storage) -> None:
    survey = await open_first_round(storage)
    assert await storage.reminders.mark_responded(survey.id, [member(1)]) is MarkOutcome.MARKED

    first = await storage.reminders.mark_reminded(survey.id, [member(1), member(2), member(3)])
    second = await storage.reminders.mark_reminded(survey.id, [member(2), member(4)])

    assert first == sorted([member(2), member(3)])
    assert second == [member(4)]
    assert await storage.reminders.marked_members(survey.id) == {member(n) for n in range(1, 5)}
    # Answering after the reminder keeps the mark (and does not make another reminder).
    assert await storage.reminders.mark_responded(survey.id, [member(2)]) is MarkOutcome.MARKED
    assert await storage.reminders.mark_reminded(survey.id, [member(2)]) == []


async def test_concurrent_reminders_mark_each_member_once(storage: Storage, other: Storage) -> None:
    survey = await open_first_round(storage)
    keys = [member(n) for n in range(40)]

    marked = await asyncio.gather(
        storage.reminders.mark_reminded(survey.id, keys),
        other.reminders.mark_reminded(survey.id, list(reversed(keys))),
    )

    assert sorted(marked[0] + marked[1]) == sorted(keys)


async def test_closing_forgets_who_took_part(storage: Storage) -> None:
    survey = await open_first_round(storage)
    await storage.reminders.mark_responded(survey.id, [member(1)])
    await storage.reminders.mark_reminded(survey.id, [member(2)])

    assert await storage.pulse.close_survey(survey.id, NOW + HOUR) is not None

    assert await storage.reminders.marked_members(survey.id) == set()
    assert await storage.reminders.mark_responded(survey.id, [member(3)]) is MarkOutcome.CLOSED
    assert await storage.reminders.mark_reminded(survey.id, [member(3)]) == []
    assert await storage.reminders.marked_members(survey.id) == set()


async def test_marks_refuse_what_is_not_a_member_key(storage: Storage) -> None:
    survey = await open_first_round(storage)
    for bad in ("U123", "A" * 64, member(1)[:-1]):
        with pytest.raises(ValueError, match="member key"):
            await storage.reminders.mark_responded(survey.id, [bad])
        with pytest.raises(ValueError, match="member key"):
            await storage.reminders.mark_reminded(survey.id, [bad])
    assert await storage.reminders.mark_responded("forged", [member(1)]) is MarkOutcome.CLOSED


async def test_reminders_are_claimed_by_one_sender_at_a_time(storage: Storage) -> None:
    survey = await open_first_round(storage)
    await storage.pulse.set_survey_message(survey.id, {"channel": "C0001", "ts": "1.2"})
    due = NOW + 2 * DAY

    assert not await storage.reminders.claim_reminders(survey.id, NOW, NOW + HOUR)  # not due
    won = await asyncio.gather(
        *(storage.reminders.claim_reminders(survey.id, due, due + HOUR) for _ in range(4))
    )
    assert sum(won) == 1
    # The sender died: once its claim is over another takes the job over.
    assert survey.id not in [s.id for s in await storage.pulse.surveys_due(due + HOUR / 2)]
    assert await storage.reminders.claim_reminders(survey.id, due + HOUR, due + 2 * HOUR)
    await storage.reminders.finish_reminders(survey.id, due + HOUR)
    assert not await storage.reminders.claim_reminders(survey.id, due + 3 * HOUR, due + 4 * HOUR)
    loaded = await storage.pulse.load_survey(survey.id)
    assert loaded is not None
    assert loaded.reminded_at == due + HOUR
    with pytest.raises(ValueError, match="until must be after now"):
        await storage.reminders.claim_reminders(survey.id, due, due)


async def test_no_reminders_once_the_deadline_passed(storage: Storage) -> None:
    survey = await open_first_round(storage)
    assert not await storage.reminders.claim_reminders(
        survey.id, NOW + 3 * DAY, NOW + 3 * DAY + HOUR
    )


# --- lifecycle -------------------------------------------------------------------------------


async def test_deleting_the_workspace_deletes_its_series_rounds_and_marks(
    storage: Storage,
) -> None:
    survey = await open_first_round(storage)
    await storage.reminders.mark_reminded(survey.id, [member(1)])

    await storage.lifecycle.delete_workspace("slack", "T0001")

    assert await storage.series.load_series(SERIES) is None
    assert await storage.pulse.load_survey(survey.id) is None
    assert await storage.reminders.marked_members(survey.id) == set()


async def test_forgetting_the_launcher_unlinks_their_series(storage: Storage) -> None:
    survey = await open_first_round(storage)
    await storage.reminders.mark_responded(survey.id, [member(1), member(2)])

    forgotten = await storage.lifecycle.forget_user(
        ConversationKey("slack", "T0001", "U0LAUNCH"),
        launcher_key=LAUNCHER,
        member_key=lambda survey: member(1),
        respondent_key=lambda survey: respondent(1),
    )

    series = await storage.series.load_series(SERIES)
    assert series is not None
    assert (series.launcher, series.launcher_key) == (NO_LAUNCHER, NOBODY)
    assert series.status is SeriesStatus.ACTIVE  # the team's series goes on
    assert forgotten.launched_surveys == 2  # the series and its round
    assert forgotten.survey_answers == 1  # their mark
    assert await storage.reminders.marked_members(survey.id) == {member(2)}


async def test_a_round_survey_keeps_its_place_through_closing(storage: Storage) -> None:
    survey = await open_first_round(storage)
    closed = await storage.pulse.close_survey(survey.id, NOW + HOUR)
    assert closed is not None
    assert (closed.series_id, closed.round_number) == (SERIES, 1)
    assert closed.status is SurveyStatus.CLOSED
    assert replace(closed, status=SurveyStatus.OPEN, closed_at=None, tally=None) == survey


async def test_a_reminder_sender_renews_its_claim_at_the_moment_it_ends(
    storage: Storage, other: Storage
) -> None:
    # How `bot.pulse.reminders` keeps the job: claiming again with `now` at the end of its own
    # claim, which only works while nobody took the job over.
    survey = await open_first_round(storage)
    await storage.pulse.set_survey_message(survey.id, {"channel": "C0001", "ts": "1.2"})
    due = NOW + 2 * DAY
    held = due + HOUR
    assert await storage.reminders.claim_reminders(survey.id, due, held)
    assert not await other.reminders.claim_reminders(survey.id, due + HOUR / 2, held + HOUR)
    assert await storage.reminders.claim_reminders(survey.id, held, held + HOUR)  # renewed
    # Lost: once a claim ran out and another process took the job, the renewal fails.
    later = held + 2 * HOUR
    assert await other.reminders.claim_reminders(survey.id, later, later + HOUR)
    assert not await storage.reminders.claim_reminders(survey.id, held + HOUR, later)


async def test_an_answer_marks_its_person_responded_in_its_own_transaction(
    storage: Storage,
) -> None:
    survey = await open_first_round(storage)
    answers = {"sponsor": "a", "budget": "b"}
    # Two people at once (the same batch on SQL), one of them twice.
    await asyncio.gather(
        storage.pulse.record_response(survey.id, respondent(1), answers, NOW, member(1)),
        storage.pulse.record_response(survey.id, respondent(2), answers, NOW, member(2)),
        storage.pulse.record_response(survey.id, respondent(1), answers, NOW, member(1)),
        storage.pulse.record_response(survey.id, respondent(3), answers, NOW),  # no reminders
    )
    assert await storage.reminders.marked_members(survey.id) == {member(1), member(2)}
    assert await storage.reminders.mark_reminded(survey.id, [member(1), member(3)]) == [member(3)]
    with pytest.raises(ValueError, match="member key"):
        await storage.pulse.record_response(survey.id, respondent(4), answers, NOW, "U0001")
    await storage.pulse.close_survey(survey.id, NOW + HOUR)
    late = await storage.pulse.record_response(survey.id, respondent(5), answers, NOW, member(5))
    assert late is ResponseOutcome.CLOSED
    assert await storage.reminders.marked_members(survey.id) == set()
