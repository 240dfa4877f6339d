"""The pulse runner's scheduled work: deadline closes, results posted once, the one reminder,
and live counts spread out under a burst; with a recording publisher in place of a platform
(the Slack and Teams publishers are tested end to end with their fakes)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.runner import RATE_LIMITED_RETRIES, PulseRunner, RetryLater
from bot.pulse.service import LaunchOptions, NotAllowed, PulseService
from storage.memory import MemoryStorage
from storage.memory.pulse import MemoryPulse
from storage.pulse import SurveyRecord, SurveyStatus
from storage.series import SeriesRecord

KNOWLEDGE = load_knowledge(default_knowledge_dir())
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """Stands still unless `running`, then moves with real time from `now`."""

    def __init__(self) -> None:
        self.now = START
        self.running = False
        self._since = time.monotonic()

    def __call__(self) -> datetime:
        if not self.running:
            return self.now
        return self.now + timedelta(seconds=time.monotonic() - self._since)


@dataclass
class Recorder:
    cards: list[tuple[str, int, SurveyStatus]] = field(default_factory=list)
    results: list[tuple[str, PulseResults]] = field(default_factory=list)
    reminders: list[tuple[str, int]] = field(default_factory=list)
    fail_results: int = 0
    rate_limited: list[float] = field(default_factory=list)  # Retry-After of the next refreshes
    refused_at: list[float] = field(default_factory=list)  # when each was refused (monotonic)
    refused: asyncio.Event = field(default_factory=asyncio.Event)

    async def refresh_card(self, survey: SurveyRecord, count: int) -> None:
        if self.rate_limited:
            self.refused_at.append(time.monotonic())
            self.refused.set()
            raise RetryLater(self.rate_limited.pop(0))
        self.cards.append((survey.id, count, survey.status))

    async def post_results(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> None:
        if self.fail_results:
            self.fail_results -= 1
            raise RuntimeError("the platform refused the post")
        self.results.append((survey.id, results))

    async def post_reminder(self, survey: SurveyRecord, count: int) -> None:
        self.reminders.append((survey.id, count))

    async def post_card(self, survey: SurveyRecord, series: SeriesRecord) -> dict[str, Any]:
        # One-off surveys only here: their card is the adapter's to post, never the runner's.
        raise AssertionError(f"the runner posted a round card for {survey.id}")

    async def series_paused(self, series: SeriesRecord, launcher: str) -> None:
        raise AssertionError(f"the runner paused series {series.id}")


@dataclass
class World:
    clock: Clock
    repository: MemoryPulse
    pulse: PulseService
    recorder: Recorder

    def runner(self, *, count_seconds: float = 0.05) -> PulseRunner:
        return PulseRunner(
            self.pulse,
            self.repository,
            {"slack": self.recorder},
            tick_seconds=0.05,
            count_seconds=count_seconds,
        )

    async def launch(self, **options: object) -> SurveyRecord:
        return await self.pulse.launch("slack", "T1", "C1", "U0", LaunchOptions(**options))  # type: ignore[arg-type]

    async def answer(self, survey: SurveyRecord, user: str) -> None:
        answers = {q.id: q.options[0].id for q in KNOWLEDGE.pulse_questions}
        await self.pulse.answer(survey.id, "T1", user, answers)


@pytest.fixture
def world() -> World:
    clock = Clock()
    repository = MemoryStorage().pulse
    pulse = PulseService(repository, lambda: KNOWLEDGE, PulseKeys(b"k"), clock=clock)
    return World(clock, repository, pulse, Recorder())


async def test_the_deadline_closes_and_posts_once_over_several_runners(world: World) -> None:
    survey = await world.launch(threshold=3)
    for user in ("U1", "U2", "U3"):
        await world.answer(survey, user)
    runners = [world.runner() for _ in range(3)]
    assert await runners[0].tick() == 0
    world.clock.now = survey.deadline
    await asyncio.gather(*(runner.tick() for runner in runners))
    await asyncio.gather(*(runner.tick() for runner in runners))
    assert len(world.recorder.results) == 1
    [(_, results)] = world.recorder.results
    assert results.visible
    assert results.respondents == 3
    assert world.recorder.cards[-1] == (survey.id, 3, SurveyStatus.CLOSED)


async def test_a_failed_post_is_retried_when_its_lease_runs_out(world: World) -> None:
    survey = await world.launch()
    runner = world.runner()
    world.recorder.fail_results = 1
    world.clock.now = survey.deadline
    await runner.tick()
    assert world.recorder.results == []
    await runner.tick()  # the claim is still held
    assert world.recorder.results == []
    world.clock.now += timedelta(minutes=3)
    await runner.tick()
    assert len(world.recorder.results) == 1
    assert not world.recorder.results[0][1].visible  # nobody answered: hidden


async def test_the_reminder_is_sent_once(world: World) -> None:
    survey = await world.launch(deadline=START + timedelta(days=2), remind=True)
    await world.answer(survey, "U1")
    runner = world.runner()
    await runner.tick()
    assert world.recorder.reminders == []
    assert survey.remind_at is not None
    world.clock.now = survey.remind_at
    await runner.tick()
    await runner.tick()
    assert world.recorder.reminders == [(survey.id, 1)]


async def test_closing_by_hand_checks_permission_and_publishes(world: World) -> None:
    survey = await world.launch()
    runner = world.runner()
    with pytest.raises(NotAllowed):
        await runner.close(survey, "U9", admin=False)
    assert world.recorder.results == []
    await runner.close(survey, "U0", admin=False)
    await runner.close(survey, "U0", admin=False)
    assert len(world.recorder.results) == 1


async def test_a_burst_of_answers_refreshes_the_card_a_few_times(world: World) -> None:
    survey = await world.launch()
    world.clock.running = True
    runner = world.runner(count_seconds=0.2)
    for n in range(30):
        await world.answer(survey, f"U{n}")
        runner.counted(survey)
        await asyncio.sleep(0.01)
    await runner.stop()
    counts = [count for _, count, _ in world.recorder.cards]
    assert 1 <= len(counts) <= 4
    assert counts[-1] == 30


async def test_a_rate_limited_refresh_waits_as_asked_and_shows_the_latest_count(
    world: World,
) -> None:
    survey = await world.launch()
    world.clock.running = True
    runner, other_process = world.runner(), world.runner()
    world.recorder.rate_limited = [0.3]
    await world.answer(survey, "U1")
    runner.counted(survey)
    await asyncio.wait_for(world.recorder.refused.wait(), timeout=5)

    # During the wait: more answers, and another process that would refresh: it does not.
    await world.answer(survey, "U2")
    other_process.counted(survey)
    await asyncio.sleep(0.15)
    assert world.recorder.cards == []
    await runner.stop()
    await other_process.stop()

    [(_, count, _)] = world.recorder.cards
    assert count == 2


async def test_a_refresh_rate_limited_again_and_again_gives_up(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    survey = await world.launch()
    world.clock.running = True
    runner = world.runner()
    world.recorder.rate_limited = [0.01] * (RATE_LIMITED_RETRIES + 1)
    await world.answer(survey, "U1")
    runner.counted(survey)
    await runner.stop()
    assert world.recorder.cards == []
    assert len(world.recorder.refused_at) == RATE_LIMITED_RETRIES + 1
    assert "pulse card update failed" in caplog.text


async def test_the_loop_runs_and_stops(world: World) -> None:
    survey = await world.launch(threshold=3)
    runner = world.runner()
    runner.start()
    world.clock.now = survey.deadline
    for _ in range(100):
        if world.recorder.results:
            break
        await asyncio.sleep(0.02)
    await runner.stop()
    assert len(world.recorder.results) == 1
