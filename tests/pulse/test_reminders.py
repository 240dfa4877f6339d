"""Private reminders (`bot.pulse.reminders`): fixed batches at fixed times in member-key order,
responders skipped, each person reminded at most once across crashes and concurrent senders,
Retry-After honoured, unreachable people skipped; and the runner's use of them. The storage is
the real in-memory one; the platform is an in-process directory (the Slack and Teams
directories are tested end to end against their fakes in tests/server/test_pulse_reminders.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.reminders import (
    BATCH_GRACE,
    MembersUnavailable,
    ReminderPace,
    ReminderSender,
    Unreachable,
)
from bot.pulse.runner import PulseRunner, RetryLater
from bot.pulse.service import LaunchOptions, PulseService
from storage.memory import MemoryStorage
from storage.pulse import SurveyRecord

KNOWLEDGE = load_knowledge(default_knowledge_dir())
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEYS = PulseKeys(b"k")
PACE = ReminderPace(batch_size=3, interval=timedelta(seconds=60))


class Crash(BaseException):
    """A process dying mid-batch (not an Exception: nothing catches it)."""


class Time:
    """A clock that only sleeping moves; sleeping yields to other tasks."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)
        await asyncio.sleep(0)


@dataclass
class Directory:
    time: Time
    users: list[str]
    sent: list[tuple[datetime, str]] = field(default_factory=list)
    retry_after: dict[str, list[float]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    crash_after: int | None = None
    unavailable: bool = False

    async def members(self, survey: SurveyRecord) -> list[str]:
        if self.unavailable:
            raise MembersUnavailable("missing_scope")
        return list(self.users)

    async def remind(self, survey: SurveyRecord, user: str) -> None:
        if self.crash_after is not None and len(self.sent) == self.crash_after:
            raise Crash
        waits = self.retry_after.get(user)
        if waits:
            raise RetryLater(waits.pop(0))
        if user in self.unreachable:
            raise Unreachable(user)
        await asyncio.sleep(0)
        self.sent.append((self.time.now, user))

    def counts(self) -> Counter[str]:
        return Counter(user for _, user in self.sent)


@dataclass
class Recorder:
    reminders: list[tuple[str, int]] = field(default_factory=list)

    async def refresh_card(self, survey: SurveyRecord, count: int) -> None:
        pass

    async def post_results(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> None:
        pass

    async def post_reminder(self, survey: SurveyRecord, count: int) -> None:
        self.reminders.append((survey.id, count))


@dataclass
class World:
    time: Time
    storage: MemoryStorage
    pulse: PulseService

    async def launch(self) -> SurveyRecord:
        options = LaunchOptions(deadline=START + timedelta(days=2), remind=True)
        survey = await self.pulse.launch("slack", "T1", "C1", "U0", options)
        assert survey.remind_at == START + timedelta(days=1)
        return survey

    async def answer(self, survey: SurveyRecord, user: str) -> None:
        answers = {q.id: q.options[0].id for q in KNOWLEDGE.pulse_questions}
        await self.pulse.answer(survey.id, "T1", user, answers)

    def sender(self, directory: Directory, pace: ReminderPace = PACE) -> ReminderSender:
        return ReminderSender(
            self.storage.reminders, KEYS, directory, pace, clock=self.time, sleep=self.time.sleep
        )


@pytest.fixture
def world() -> World:
    time = Time()
    storage = MemoryStorage()
    pulse = PulseService(storage.pulse, lambda: KNOWLEDGE, KEYS, clock=time)
    return World(time, storage, pulse)


def users(count: int) -> list[str]:
    return [f"U{number:03d}" for number in range(1, count + 1)]


def key_order(survey: SurveyRecord, people: list[str]) -> list[str]:
    return sorted(people, key=lambda user: KEYS.member("slack", "T1", survey.id, user))


async def test_batches_go_out_at_fixed_times_in_member_key_order(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at + timedelta(seconds=10)
    directory = Directory(world.time, users(7))
    sender = world.sender(directory)
    held = await sender.claim(survey)
    assert held == world.time.now + PACE.interval + BATCH_GRACE
    outcome = await sender.send(survey, held)
    assert outcome.finished
    assert outcome.sent == 7
    assert outcome.batches == 3
    # The first batch at the claim (a tick after remind_at), the next ones on the fixed grid.
    claimed = survey.remind_at + timedelta(seconds=10)
    slots = [claimed, *(survey.remind_at + PACE.interval * i for i in (1, 2))]
    assert [when for when, _ in directory.sent] == [slots[0]] * 3 + [slots[1]] * 3 + [slots[2]]
    assert [user for _, user in directory.sent] == key_order(survey, users(7))
    # Finished: nobody claims the job again.
    world.time.now += timedelta(hours=1)
    assert await sender.claim(survey) is None
    assert await world.storage.pulse.surveys_due(world.time.now) == []


async def test_responders_get_no_reminder(world: World) -> None:
    survey = await world.launch()
    for user in ("U001", "U004"):
        await world.answer(survey, user)
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    directory = Directory(world.time, users(6))
    sender = world.sender(directory)
    held = await sender.claim(survey)
    assert held is not None
    outcome = await sender.send(survey, held)
    assert (outcome.members, outcome.pending, outcome.sent) == (6, 4, 4)
    assert directory.counts() == Counter({"U002": 1, "U003": 1, "U005": 1, "U006": 1})
    # Batch 0 at remind_at itself: the fixed times start there.
    assert directory.sent[0][0] == survey.remind_at


async def test_a_restart_resumes_without_reminding_anyone_twice(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    people = users(8)
    first = Directory(world.time, people, crash_after=4)  # dies inside the second batch
    sender = world.sender(first)
    held = await sender.claim(survey)
    assert held is not None
    with pytest.raises(Crash):
        await sender.send(survey, held)
    assert len(first.sent) == 4
    # The dead process's lease holds the job until it runs out.
    second = Directory(world.time, people)
    successor = world.sender(second)
    assert await successor.claim(survey) is None
    world.time.now += PACE.lease  # renewed at the second batch's time, for this long
    held_again = await successor.claim(survey)
    assert held_again is not None
    outcome = await successor.send(survey, held_again)
    assert outcome.finished
    reminded = first.counts() + second.counts()
    assert max(reminded.values()) == 1
    # The two marked in the batch that died are lost, never sent twice: the rest all got one.
    assert len(reminded) == 6
    assert outcome.pending == 2
    assert outcome.sent == 2
    order = key_order(survey, people)
    assert set(reminded) == set(order[:4]) | set(order[6:])
    # Resumed at a fixed time.
    for when, _ in second.sent:
        assert (when - survey.remind_at) % PACE.interval == timedelta(0)


async def test_retry_after_is_honoured(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    people = users(3)
    directory = Directory(world.time, people, retry_after={"U002": [7.0, 3.0]})
    sender = world.sender(directory)
    held = await sender.claim(survey)
    assert held is not None
    outcome = await sender.send(survey, held)
    assert outcome.sent == 3
    assert outcome.failed == 0
    assert world.time.sleeps == [7.0, 3.0]
    assert directory.counts() == Counter(people)
    [(when, _)] = [sent for sent in directory.sent if sent[1] == "U002"]
    assert when >= survey.remind_at + timedelta(seconds=10)


async def test_endless_rate_limits_give_up_on_that_person_only(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    directory = Directory(world.time, users(3), retry_after={"U001": [1.0] * 10})
    sender = world.sender(directory)
    held = await sender.claim(survey)
    assert held is not None
    outcome = await sender.send(survey, held)
    assert (outcome.sent, outcome.failed) == (2, 1)
    assert outcome.finished


async def test_unreachable_people_are_skipped(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    directory = Directory(world.time, users(4), unreachable={"U003"})
    sender = world.sender(directory)
    held = await sender.claim(survey)
    assert held is not None
    outcome = await sender.send(survey, held)
    assert (outcome.sent, outcome.unreachable) == (3, 1)
    assert "U003" not in directory.counts()


async def test_two_senders_at_once_remind_each_person_once(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    people = users(10)
    directories = [Directory(world.time, people) for _ in range(2)]
    senders = [world.sender(directory) for directory in directories]
    claims = await asyncio.gather(*(sender.claim(survey) for sender in senders))
    assert sorted(claim is None for claim in claims) == [False, True]
    # Even a sender that believes it holds the job (same lease) cannot send a second time.
    [held] = [claim for claim in claims if claim is not None]
    outcomes = await asyncio.gather(*(sender.send(survey, held) for sender in senders))
    total = directories[0].counts() + directories[1].counts()
    assert total == Counter(people)
    assert sorted(outcome.finished for outcome in outcomes) == [False, True]


async def test_a_sender_whose_lease_was_taken_over_stops(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    directory = Directory(world.time, users(9))
    slow = world.sender(directory)
    held = await slow.claim(survey)
    assert held is not None
    # Another process claims once the lease is over (the holder stalled past it).
    world.time.now = held
    assert await world.sender(directory).claim(survey) is not None
    outcome = await slow.send(survey, held)
    assert not outcome.finished
    assert outcome.sent == 0


async def test_nothing_goes_out_at_or_after_the_deadline(world: World) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    world.time.now = survey.remind_at
    pace = ReminderPace(batch_size=1, interval=timedelta(hours=10))
    directory = Directory(world.time, users(5))
    sender = world.sender(directory, pace)
    held = await sender.claim(survey)
    assert held is not None
    outcome = await sender.send(survey, held)
    # Slots at +0 h, +10 h, +20 h; the deadline is at +24 h.
    assert outcome.sent == 3
    assert not outcome.finished


def test_a_pace_must_make_sense() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        ReminderPace(batch_size=0, interval=timedelta(seconds=1))
    with pytest.raises(ValueError, match="interval"):
        ReminderPace(batch_size=1, interval=timedelta(0))


async def runner_world(world: World, directory: Directory) -> tuple[PulseRunner, Recorder]:
    recorder = Recorder()
    runner = PulseRunner(
        world.pulse,
        world.storage.pulse,
        {"slack": recorder},  # type: ignore[dict-item]
        tick_seconds=0.05,
        reminders=world.storage.reminders,
    )
    # One batch: the runner sleeps for real, and these tests do not wait.
    runner.register_directory("slack", directory, ReminderPace(100, timedelta(minutes=1)))
    return runner, recorder


async def test_the_runner_sends_private_reminders_once(world: World) -> None:
    survey = await world.launch()
    await world.answer(survey, "U002")
    assert survey.remind_at is not None
    directory = Directory(world.time, users(5))
    runners = [await runner_world(world, directory) for _ in range(2)]
    world.time.now = survey.remind_at
    await asyncio.gather(*(runner.tick() for runner, _ in runners))
    for runner, _ in runners:
        await runner.stop()
    assert directory.counts() == Counter({"U001": 1, "U003": 1, "U004": 1, "U005": 1})
    assert all(recorder.reminders == [] for _, recorder in runners)
    assert await world.storage.pulse.surveys_due(world.time.now + timedelta(hours=1)) == []


async def test_the_runner_falls_back_to_the_channel_when_members_are_unavailable(
    world: World,
) -> None:
    survey = await world.launch()
    assert survey.remind_at is not None
    directory = Directory(world.time, users(5), unavailable=True)
    runner, recorder = await runner_world(world, directory)
    world.time.now = survey.remind_at
    await runner.tick()
    await runner.stop()
    assert recorder.reminders == [(survey.id, 0)]
    assert directory.sent == []
    world.time.now += timedelta(hours=1)
    await runner.tick()
    await runner.stop()
    assert recorder.reminders == [(survey.id, 0)]
