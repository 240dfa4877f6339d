"""The pulse service over the in-memory repository: launch rules, answers, permissions,
closing and results. (The SQL repositories pass the same storage contract.)"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.service import (
    AnswerStatus,
    CloseStatus,
    LaunchOptions,
    NotAllowed,
    PulseError,
    PulseService,
)
from storage.errors import StorageError
from storage.memory import MemoryDatabase, MemoryStorage
from storage.memory.pulse import MemoryPulse
from storage.pulse import SurveyRecord, SurveyStatus

KNOWLEDGE = load_knowledge(default_knowledge_dir())
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAUNCHER = "U0LAUNCHER"
ADMIN = "U0ADMIN"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pulse(clock: Clock) -> PulseService:
    return PulseService(
        MemoryStorage().pulse, lambda: KNOWLEDGE, PulseKeys(b"test"), frozenset({ADMIN}), clock
    )


def answers_for(option_index: int = 0) -> dict[str, str]:
    return {q.id: q.options[option_index].id for q in KNOWLEDGE.pulse_questions}


async def launch(pulse: PulseService, **options: object) -> SurveyRecord:
    return await pulse.launch("slack", "T1", "C1", LAUNCHER, LaunchOptions(**options))  # type: ignore[arg-type]


async def test_a_launch_takes_the_pulse_questions_and_three_days(pulse: PulseService) -> None:
    survey = await launch(pulse)
    assert survey.question_ids == tuple(q.id for q in KNOWLEDGE.pulse_questions)
    assert survey.deadline == START + timedelta(days=3)
    assert survey.threshold == 5
    assert survey.remind_at is None
    assert survey.knowledge_version == KNOWLEDGE.version
    assert LAUNCHER not in repr(survey)
    assert await pulse.survey(survey.id) == survey


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold": 2}, "from 3"),
        ({"threshold": 10_001}, "from 3"),
        ({"deadline": START}, "future"),
        ({"deadline": START + timedelta(days=91)}, "90 days"),
    ],
)
async def test_launch_rules(pulse: PulseService, options: dict[str, object], message: str) -> None:
    with pytest.raises(PulseError, match=message):
        await launch(pulse, **options)


async def test_the_reminder_is_a_day_ahead_or_halfway(pulse: PulseService) -> None:
    week = await launch(pulse, deadline=START + timedelta(days=7), remind=True)
    assert week.remind_at == START + timedelta(days=6)
    short = await launch(pulse, deadline=START + timedelta(hours=10), remind=True)
    assert short.remind_at == START + timedelta(hours=5)


async def test_answering_again_replaces_the_answer(pulse: PulseService) -> None:
    survey = await launch(pulse)
    first = await pulse.answer(survey.id, "T1", "U1", answers_for(0))
    again = await pulse.answer(survey.id, "T1", "U1", answers_for(1))
    assert (first.status, again.status) == (AnswerStatus.RECORDED, AnswerStatus.REPLACED)
    assert await pulse.count(survey.id) == 1
    assert await pulse.previous_answers(survey, "U1") == answers_for(1)
    assert await pulse.previous_answers(survey, "U2") is None


async def test_incomplete_answers_say_what_is_missing(pulse: PulseService) -> None:
    survey = await launch(pulse)
    partial = dict(list(answers_for().items())[:-1])
    result = await pulse.answer(survey.id, "T1", "U1", partial)
    assert result.status is AnswerStatus.INVALID
    assert KNOWLEDGE.pulse_questions[-1].prompt in result.message
    assert await pulse.count(survey.id) == 0


async def test_unknown_surveys_and_other_workspaces(pulse: PulseService) -> None:
    survey = await launch(pulse)
    missing = await pulse.answer("0" * 32, "T1", "U1", answers_for())
    elsewhere = await pulse.answer(survey.id, "T2", "U1", answers_for())
    assert missing.status is AnswerStatus.UNKNOWN
    assert elsewhere.status is AnswerStatus.UNKNOWN
    assert await pulse.count(survey.id) == 0


async def test_past_the_deadline_answers_are_refused(pulse: PulseService, clock: Clock) -> None:
    survey = await launch(pulse)
    clock.now = survey.deadline
    result = await pulse.answer(survey.id, "T1", "U1", answers_for())
    assert result.status is AnswerStatus.CLOSED
    assert "closed" in result.message


async def test_only_the_launcher_or_an_admin_closes(pulse: PulseService) -> None:
    survey = await launch(pulse)
    with pytest.raises(NotAllowed):
        await pulse.close(survey, "U2", admin=False)
    assert pulse.may_manage(survey, ADMIN, admin=False)
    assert pulse.may_manage(survey, "U2", admin=True)
    closed = await pulse.close(survey, LAUNCHER, admin=False)
    assert closed.status is CloseStatus.CLOSED_NOW
    assert closed.survey.status is SurveyStatus.CLOSED
    again = await pulse.close(survey, LAUNCHER, admin=False)
    assert again.status is CloseStatus.ALREADY_CLOSED
    after = await pulse.answer(survey.id, "T1", "U1", answers_for())
    assert after.status is AnswerStatus.CLOSED


async def test_results_appear_on_close_and_only_above_the_threshold(pulse: PulseService) -> None:
    survey = await launch(pulse, threshold=3)
    with pytest.raises(PulseError, match="closes"):
        pulse.results(survey)
    for user in ("U1", "U2"):
        await pulse.answer(survey.id, "T1", user, answers_for(0))
    hidden = (await pulse.close(survey, LAUNCHER, admin=False)).survey
    results = pulse.results(hidden)
    assert (results.respondents, results.visible, results.questions) == (2, False, ())
    with pytest.raises(PulseError, match="stay hidden"):
        await pulse.export_csv(hidden, LAUNCHER, admin=False)


async def test_export_is_for_the_launcher_and_holds_counts_only(pulse: PulseService) -> None:
    survey = await launch(pulse, threshold=3)
    for index, user in enumerate(("U1", "U2", "U3", "U4")):
        await pulse.answer(survey.id, "T1", user, answers_for(index % 2))
    closed = (await pulse.close(survey, ADMIN, admin=False)).survey
    with pytest.raises(NotAllowed):
        await pulse.export_csv(closed, "U1", admin=False)
    csv_text = await pulse.export_csv(closed, LAUNCHER, admin=False)
    assert "question_id" in csv_text
    assert not any(user in csv_text for user in ("U1", "U2", "U3", "U4"))
    first = KNOWLEDGE.pulse_questions[0]
    assert f"{first.id},{first.prompt}".split(",")[0] in csv_text


async def test_a_reload_does_not_change_a_running_survey(clock: Clock) -> None:
    repository = MemoryStorage().pulse
    current = [KNOWLEDGE]
    pulse = PulseService(repository, lambda: current[0], PulseKeys(b"k"), clock=clock)
    survey = await pulse.launch("slack", "T1", "C1", LAUNCHER, LaunchOptions())
    fewer = dataclasses.replace(KNOWLEDGE, questions=KNOWLEDGE.questions[1:])
    current[0] = fewer
    assert survey.question_ids[0] == KNOWLEDGE.questions[0].id
    assert [q.id for q in pulse.questions(survey)] == list(survey.question_ids[1:])


class SlowReads(MemoryPulse):
    """A pulse store whose survey reads take a while, as a database's do, and are counted."""

    def __init__(self) -> None:
        super().__init__(MemoryDatabase())
        self.survey_reads = 0
        self.failing = False

    async def load_survey(self, survey_id: str) -> SurveyRecord | None:
        self.survey_reads += 1
        await asyncio.sleep(0.01)
        if self.failing:
            raise StorageError("could not load the survey: OSError")
        return await super().load_survey(survey_id)


async def test_the_first_answers_of_a_burst_share_one_read_of_the_survey(clock: Clock) -> None:
    repository = SlowReads()
    survey = await launch(PulseService(repository, lambda: KNOWLEDGE, PulseKeys(b"t"), clock=clock))
    # Another process, which has not seen the survey yet.
    fresh = PulseService(repository, lambda: KNOWLEDGE, PulseKeys(b"t"), clock=clock)

    results = await asyncio.gather(
        *(fresh.answer(survey.id, "T1", f"U{n}", answers_for(0)) for n in range(50))
    )

    assert {result.status for result in results} == {AnswerStatus.RECORDED}
    assert repository.survey_reads == 1
    await fresh.answer(survey.id, "T1", "U99", answers_for(0))
    assert repository.survey_reads == 1  # remembered


async def test_a_failed_survey_read_fails_its_waiters_and_is_tried_again(clock: Clock) -> None:
    repository = SlowReads()
    survey = await launch(PulseService(repository, lambda: KNOWLEDGE, PulseKeys(b"t"), clock=clock))
    fresh = PulseService(repository, lambda: KNOWLEDGE, PulseKeys(b"t"), clock=clock)
    repository.failing = True

    failed = await asyncio.gather(
        *(fresh.answer(survey.id, "T1", f"U{n}", answers_for(0)) for n in range(5)),
        return_exceptions=True,
    )
    repository.failing = False
    later = await fresh.answer(survey.id, "T1", "U1", answers_for(0))

    assert all(isinstance(error, StorageError) for error in failed)
    assert repository.survey_reads == 2
    assert later.status is AnswerStatus.RECORDED
