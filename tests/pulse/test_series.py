"""Recurring pulses through the service and the runner, with a recording publisher in place of
a platform (Slack and Teams are tested end to end with their fakes): rounds open exactly once
across runners over a simulated year, a card whose opener died is posted by another, a channel
out of reach pauses the series and tells its launcher, who may pause, resume and stop it, and a
round's results come with the trend of the rounds before it."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.runner import CannotPost, PulseRunner
from bot.pulse.series import SeriesOptions, SeriesService
from bot.pulse.service import NotAllowed, PulseError, PulseService
from storage.memory import MemoryStorage
from storage.pulse import SurveyRecord, SurveyStatus
from storage.series import Cadence, PauseReason, SeriesRecord, SeriesStatus

KNOWLEDGE = load_knowledge(default_knowledge_dir())
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday, 9:00 in Paris
DAY = timedelta(days=1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Recorder:
    cards: list[SurveyRecord] = field(default_factory=list)
    results: list[tuple[SurveyRecord, PulseResults, Trend | None]] = field(default_factory=list)
    paused: list[SeriesRecord] = field(default_factory=list)
    cannot_post: bool = False
    fail_cards: int = 0

    async def refresh_card(self, survey: SurveyRecord, count: int) -> None:
        pass

    async def post_results(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> None:
        self.results.append((survey, results, trend))

    async def post_reminder(self, survey: SurveyRecord, count: int) -> None:
        pass

    async def post_card(self, survey: SurveyRecord, series: SeriesRecord) -> dict[str, Any]:
        if self.cannot_post:
            raise CannotPost("not_in_channel")
        if self.fail_cards:
            self.fail_cards -= 1
            raise RuntimeError("the platform timed out")
        self.cards.append(survey)
        return {"channel": survey.channel, "ts": f"{len(self.cards)}.0"}

    async def series_paused(self, series: SeriesRecord, launcher: str) -> None:
        assert launcher == "U0"
        self.paused.append(series)


@dataclass
class World:
    clock: Clock
    storage: MemoryStorage
    pulse: PulseService
    series: SeriesService
    recorder: Recorder

    def runner(self) -> PulseRunner:
        return PulseRunner(
            self.pulse,
            self.storage.pulse,
            {"slack": self.recorder},
            series=self.series,
            tick_seconds=0.05,
        )

    async def start(self, cadence: Cadence = Cadence.MONTHLY, **changes: Any) -> SeriesRecord:
        values: dict[str, Any] = {
            "cadence": cadence,
            "round_length": 3 * DAY,
            "threshold": 3,
            "remind": False,
            "timezone": "Europe/Paris",
        }
        values.update(changes)
        return await self.series.start("slack", "T1", "C1", "U0", SeriesOptions(**values))

    async def answer(self, survey: SurveyRecord, user: str, option: int = 0) -> None:
        answers = {q.id: q.options[option].id for q in KNOWLEDGE.pulse_questions}
        result = await self.pulse.answer(survey.id, "T1", user, answers)
        assert result.survey is not None


@pytest.fixture
def world() -> World:
    clock = Clock()
    storage = MemoryStorage()
    keys = PulseKeys(b"k")
    pulse = PulseService(storage.pulse, lambda: KNOWLEDGE, keys, clock=clock)
    series = SeriesService(storage.series, lambda: KNOWLEDGE, keys, clock=clock)
    return World(clock, storage, pulse, series, Recorder())


async def test_a_monthly_series_runs_a_simulated_year_with_every_round_once(
    world: World,
) -> None:
    series = await world.start()
    runners = [world.runner(), world.runner()]
    answered = Counter[int]()
    end = START + 365 * DAY
    while world.clock.now < end:
        await asyncio.gather(*(runner.tick() for runner in runners))
        # Some rounds get enough answers, some do not.
        for survey in world.recorder.cards:
            number = survey.round_number or 0
            wanted = 4 if number % 3 else 1
            latest = await world.pulse.survey(survey.id)
            if latest and world.pulse.is_open(latest) and answered[number] < wanted:
                for n in range(wanted):
                    await world.answer(survey, f"U{number}-{n}", option=number % 2)
                answered[number] = wanted
        world.clock.now += timedelta(hours=6)

    rounds = [survey.round_number for survey in world.recorder.cards]
    assert rounds == list(range(1, 13))  # twelve rounds, each once, in order
    assert len({survey.id for survey in world.recorder.cards}) == 12
    posted = [survey.round_number for survey, _, _ in world.recorder.results]
    assert posted == list(range(1, 13))
    # Each was due on the 5th at 9:00 in Paris, summer time or not (its deadline counts from
    # then), and opened at the first tick after.
    for survey in world.recorder.cards:
        due = (survey.deadline - 3 * DAY).astimezone(ZoneInfo("Europe/Paris"))
        assert (due.day, due.hour, due.minute) == (5, 9, 0)
        assert timedelta(0) <= survey.created_at - due < timedelta(hours=6)
    # Rounds below their threshold carry no numbers in the trend, and the change is measured
    # from the last round that met it.
    _, results, trend = world.recorder.results[3]  # round 4, after round 3 (one answer)
    assert results.visible
    assert trend is not None
    assert [point.met for point in trend.points] == [True, True, False, True]
    assert trend.previous is not None
    assert trend.previous.number == 2
    assert trend.points[2].shares == ()
    stored = await world.storage.series.load_series(series.id)
    assert stored is not None
    assert stored.next_round == 13


async def test_rounds_never_overlap_and_each_has_its_own_respondent_keys(world: World) -> None:
    await world.start(Cadence.WEEKLY, round_length=7 * DAY)
    runner = world.runner()
    for _ in range(3):
        await runner.tick()
        [current] = [s for s in world.recorder.cards if world.pulse.is_open(s)]
        await world.answer(current, "U1")
        world.clock.now = current.deadline
    await runner.tick()
    keys = [
        set(world.storage.database.responses.get(survey.id, {}))
        for survey in world.recorder.cards[:3]
    ]
    assert all(len(k) == 1 for k in keys)  # the same person answered every round...
    assert len(set.union(*keys)) == len(keys)  # ...under a different key in each


async def test_a_card_whose_opener_died_is_posted_by_another_runner(world: World) -> None:
    await world.start()
    world.recorder.fail_cards = 1  # the opener's post fails: as if it died after opening
    runner, other = world.runner(), world.runner()
    await runner.tick()
    assert world.recorder.cards == []
    await other.tick()
    assert world.recorder.cards == []  # the opener's claim still holds
    world.clock.now += timedelta(minutes=3)
    await other.tick()
    [card] = world.recorder.cards
    assert card.round_number == 1
    assert (await world.pulse.survey(card.id)).message  # type: ignore[union-attr]


async def test_a_channel_out_of_reach_pauses_the_series_and_tells_its_launcher(
    world: World,
) -> None:
    series = await world.start()
    world.recorder.cannot_post = True
    await world.runner().tick()

    [paused] = world.recorder.paused
    assert paused.id == series.id
    assert (paused.status, paused.paused_reason) == (SeriesStatus.PAUSED, PauseReason.CANNOT_POST)
    assert paused.next_round == 1  # the round nobody saw is taken back
    assert await world.pulse.latest("slack", "T1", "C1") is None

    world.recorder.cannot_post = False
    world.clock.now += 10 * DAY
    resumed = await world.series.resume(paused, "U0", admin=False)
    assert resumed.status is SeriesStatus.ACTIVE
    assert resumed.next_open_at > world.clock.now  # missed openings are skipped
    world.clock.now = resumed.next_open_at
    await world.runner().tick()
    assert [card.round_number for card in world.recorder.cards] == [1]


async def test_only_the_launcher_or_an_admin_changes_a_series(world: World) -> None:
    series = await world.start()
    with pytest.raises(NotAllowed):
        await world.series.pause(series, "U9", admin=False)
    paused = await world.series.pause(series, "U9", admin=True)
    assert paused.status is SeriesStatus.PAUSED
    with pytest.raises(PulseError, match="paused"):
        await world.series.pause(paused, "U0", admin=False)
    stopped = await world.series.stop(paused, "U0", admin=False)
    assert stopped.status is SeriesStatus.STOPPED
    await world.runner().tick()
    assert world.recorder.cards == []
    assert await world.series.channel("slack", "T1", "C1") == []


async def test_a_series_is_refused_with_what_to_change(world: World) -> None:
    with pytest.raises(PulseError, match="at most 7 days"):
        await world.start(Cadence.WEEKLY, round_length=8 * DAY)
    with pytest.raises(PulseError, match="from 3 to"):
        await world.start(threshold=2)
    for _ in range(5):
        await world.start()
    with pytest.raises(PulseError, match="already runs 5"):
        await world.start()


async def test_pick_numbers_the_channel_series(world: World) -> None:
    with pytest.raises(PulseError, match="no recurring pulse"):
        await world.series.pick("slack", "T1", "C1", None)
    first = await world.start()
    assert await world.series.pick("slack", "T1", "C1", None) == (1, first)
    world.clock.now += timedelta(minutes=1)
    second = await world.start(Cadence.WEEKLY)
    with pytest.raises(PulseError, match="more than one"):
        await world.series.pick("slack", "T1", "C1", None)
    assert await world.series.pick("slack", "T1", "C1", 2) == (2, second)
    with pytest.raises(PulseError, match="no recurring pulse with that number"):
        await world.series.pick("slack", "T1", "C1", 3)
    shown = world.series.views([first, second], "U0")
    assert [(view.number, view.cadence, view.yours) for view in shown] == [
        (1, "monthly", True),
        (2, "weekly", True),
    ]
    assert not world.series.views([first], "U9")[0].yours


async def test_an_unknown_timezone_runs_in_utc(world: World) -> None:
    series = await world.start(timezone="Not/A_Zone")
    assert series.timezone == "UTC"


async def test_a_late_round_still_gets_time_to_answer(world: World) -> None:
    await world.start(Cadence.WEEKLY, round_length=2 * DAY)
    world.clock.now += 2 * DAY - timedelta(minutes=10)  # every process was down
    await world.runner().tick()
    [card] = world.recorder.cards
    assert card.deadline - world.clock.now == 2 * DAY
    closed = await world.pulse.survey(card.id)
    assert closed is not None
    assert closed.status is SurveyStatus.OPEN
