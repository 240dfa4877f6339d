"""The work around a survey that is not an answer to a request: closing at the deadline,
posting the results exactly once, the one reminder, and the card's live count.

Every process of the server runs a `PulseRunner`. Each job is claimed in the database before it
is done (a conditional update only one process wins), so with any number of processes a
survey is closed once, its results are posted once and its reminder is sent once. A process
that dies after claiming the results leaves a lease that runs out; the next tick of any process
takes the job over. The one case that can still post twice is a process dying between the
platform accepting the post and the database recording it: the window of one HTTP answer.

Platforms are reached through `PulsePublisher`s, one per platform this process serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.engine.pulse import PulseResults
from bot.engine.pulse_trend import Trend
from bot.pulse.reminders import MemberDirectory, MembersUnavailable, ReminderPace, ReminderSender
from bot.pulse.retry import RetryLater as RetryLater
from bot.pulse.series import SeriesService
from bot.pulse.service import CloseResult, CloseStatus, PulseService
from storage.pulse import PulseStore, SurveyRecord, SurveyStatus
from storage.reminders import ReminderStore
from storage.series import SeriesRecord

log = logging.getLogger(__name__)

# How long a claim on posting results holds before another process may take the job over.
RESULTS_LEASE = timedelta(minutes=2)
# A rate-limited card refresh waits as long as the platform asks, up to this, a few times.
LONGEST_RETRY_AFTER_SECONDS = 60.0
RATE_LIMITED_RETRIES = 3


class CannotPost(Exception):
    """The platform refused a post for good: the bot is not in the channel any more, the
    channel is archived or gone. Retrying will not help; a series pauses itself."""


class PulsePublisher(Protocol):
    """What the runner needs from a platform. Each call is one post or update; a failure
    raises (and the runner retries the job on a later tick where that makes sense), RetryLater
    when the platform asked to be left alone for a while."""

    async def refresh_card(self, survey: SurveyRecord, count: int) -> None:
        """Redraw the survey card: the live count while open, the closed state after."""
        ...

    async def post_results(
        self, survey: SurveyRecord, results: PulseResults, trend: Trend | None = None
    ) -> None:
        """The results in the channel; a series' round brings its trend over the rounds."""
        ...

    async def post_card(self, survey: SurveyRecord, series: SeriesRecord) -> dict[str, Any]:
        """Post a round's survey card in its channel: where it is (`SurveyRecord.message`).
        CannotPost when the channel is out of reach for good."""
        ...

    async def series_paused(self, series: SeriesRecord, launcher: str) -> None:
        """Tell the series' launcher (`launcher`, their user id), privately, that it paused
        itself: its channel is out of reach (`CannotPost`)."""
        ...

    async def post_reminder(self, survey: SurveyRecord, count: int) -> None: ...


class PulseRunner:
    def __init__(
        self,
        service: PulseService,
        repository: PulseStore,
        publishers: Mapping[str, PulsePublisher] | None = None,
        *,
        series: SeriesService | None = None,
        tick_seconds: float = 5.0,
        count_seconds: float = 2.0,
        drain_seconds: float = 10.0,
        reminders: ReminderStore | None = None,
    ) -> None:
        self._service = service
        self._repository = repository
        self._series = series
        self._publishers = dict(publishers or {})
        # Private reminders (`bot.pulse.reminders`): the marks, and each platform's directory
        # of channel members with its pace. A platform without one reminds in the channel.
        self._reminders = reminders
        self._directories: dict[str, tuple[MemberDirectory, ReminderPace]] = {}
        self._tick = tick_seconds
        self._count_window = timedelta(seconds=count_seconds)
        self._drain_seconds = drain_seconds  # how long stop() waits for updates under way
        self._tasks: set[asyncio.Task[None]] = set()
        # Surveys with a count refresh pending in this process: their next answers need no
        # claim of their own (one database write per answer fewer under a burst).
        self._refreshing: set[str] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def register(self, platform: str, publisher: PulsePublisher) -> None:
        """Let the runner reach `platform` (each platform adapter registers itself)."""
        self._publishers[platform] = publisher

    def register_directory(
        self, platform: str, directory: MemberDirectory, pace: ReminderPace
    ) -> None:
        """Send `platform`'s reminders privately, to each member who has not answered
        (needs the runner's `reminders` store; without it the channel reminder stays)."""
        self._directories[platform] = (directory, pace)

    # --- requests' side -------------------------------------------------------------------

    async def close(self, survey: SurveyRecord, user: str, *, admin: bool) -> CloseResult:
        """Close for a person (permission checked by the service) and publish the results."""
        result = await self._service.close(survey, user, admin=admin)
        if result.status is CloseStatus.CLOSED_NOW:
            await self.finish(result.survey)
        return result

    def counted(self, survey: SurveyRecord) -> None:
        """A response was recorded: refresh the card's count soon, at most once per window
        over all processes, and after the window so the burst's last answers are in it."""
        if survey.id in self._refreshing:
            return  # this process's pending refresh reads the count after this answer
        self._refreshing.add(survey.id)
        self._spawn(self._refresh_count(survey))

    def launched(self, survey: SurveyRecord) -> None:
        """A survey was launched here: wake up at its deadline (and reminder) rather than at
        the next tick, so a short survey closes on time."""
        loop = asyncio.get_running_loop()
        for when in (survey.remind_at, survey.deadline):
            if when is not None:
                delay = (when - self._service.now()).total_seconds()
                loop.call_later(max(delay, 0.0) + 0.05, self._wake.set)

    # --- scheduled work ---------------------------------------------------------------------

    async def tick(self) -> int:
        """Do whatever is due now; returns how many surveys and series needed something."""
        opened = await self._open_rounds()
        due = await self._repository.surveys_due(self._service.now())
        for survey in due:
            if survey.platform not in self._publishers:
                continue  # served by another process's configuration
            try:
                await self._due(survey)
            except Exception:
                log.exception("pulse job failed survey=%s", survey.id)
        return opened + len(due)

    async def _open_rounds(self) -> int:
        if self._series is None:
            return 0
        due = await self._series.due()
        for series in due:
            if series.platform not in self._publishers:
                continue
            try:
                await self.open_round(series)
            except Exception:
                log.exception("pulse round not opened series=%s", series.id)
        return len(due)

    async def open_round(self, series: SeriesRecord) -> SurveyRecord | None:
        """Open the series' round if it is due and no other process did, and post its card."""
        assert self._series is not None
        survey = await self._series.open_due(series)
        if survey is not None:
            await self._post_card(survey, series)
        return survey

    async def _post_card(self, survey: SurveyRecord, series: SeriesRecord | None = None) -> None:
        """Post a round's card (the caller holds the job). A channel out of reach pauses the
        series and tells its launcher; any other failure leaves the job to a later tick, once
        the claim runs out."""
        assert self._series is not None
        publisher = self._publishers[survey.platform]
        if series is None:
            series = await self._series.load(survey.series_id or "")
            if series is None:
                return  # deleted with its workspace meanwhile
        try:
            message = await publisher.post_card(survey, series)
        except CannotPost:
            paused = await self._series.cannot_post(survey)
            launcher = None if paused is None else self._series.launcher(paused)
            if paused is not None and launcher is not None:
                try:
                    await publisher.series_paused(paused, launcher)
                except Exception:
                    log.exception("pulse launcher not told series=%s", paused.id)
            return
        await self._service.posted(survey.id, message)
        self.launched(survey)
        log.info("pulse round card posted survey=%s", survey.id)

    async def _due(self, survey: SurveyRecord) -> None:
        now = self._service.now()
        posted = bool(survey.message) or survey.series_id is None
        if survey.status is SurveyStatus.OPEN and not posted and survey.deadline > now:
            # A round whose opener died before its card was out (`surveys_due` only lists it
            # once the opener's claim ran out).
            if self._series is not None and await self._series.claim_card(survey):
                await self._post_card(survey)
        elif survey.status is SurveyStatus.OPEN and survey.deadline <= now:
            result = await self._service.close_now(survey)
            await self.finish(result.survey)
        elif survey.status is SurveyStatus.CLOSED:
            await self.finish(survey)
        elif survey.remind_at is not None and survey.remind_at <= now:
            await self._remind(survey, now)

    async def _remind(self, survey: SurveyRecord, now: datetime) -> None:
        sender = self._private_sender(survey.platform)
        if sender is not None:
            held = await sender.claim(survey)
            if held is not None:
                # Batches go out over minutes: in the background, drained (bounded) at stop.
                # A batch cut short is marked already: never sent twice, by anyone.
                self._spawn(self._send_private(sender, survey, held))
            return
        await self._remind_in_channel(survey, now)

    def _private_sender(self, platform: str) -> ReminderSender | None:
        found = self._directories.get(platform)
        if found is None or self._reminders is None:
            return None
        directory, pace = found
        return ReminderSender(
            self._reminders, self._service.keys, directory, pace, clock=self._service.now
        )

    async def _send_private(
        self, sender: ReminderSender, survey: SurveyRecord, held: datetime
    ) -> None:
        try:
            await sender.send(survey, held)
        except MembersUnavailable as error:
            # No way to tell who is in the channel (a scope or permission missing): the one
            # channel reminder instead, once (claim_reminder sets reminded_at).
            log.warning(
                "pulse members unavailable, reminding in the channel survey=%s reason=%s",
                survey.id,
                error,
            )
            await self._remind_in_channel(survey, self._service.now())

    async def _remind_in_channel(self, survey: SurveyRecord, now: datetime) -> None:
        if await self._repository.claim_reminder(survey.id, now):
            count = await self._service.count(survey.id)
            await self._publishers[survey.platform].post_reminder(survey, count)
            log.info("pulse reminder sent survey=%s", survey.id)

    async def finish(self, survey: SurveyRecord) -> None:
        """Post a closed survey's results, if no other process has or is doing it, and draw
        its card closed."""
        publisher = self._publishers.get(survey.platform)
        if publisher is None:
            return
        now = self._service.now()
        if not await self._repository.claim_results(survey.id, now, now + RESULTS_LEASE):
            return
        results = self._service.results(survey)
        trend = None if self._series is None else await self._series.trend(survey)
        await publisher.post_results(survey, results, trend)
        await self._repository.mark_results_posted(survey.id, self._service.now())
        log.info("pulse results posted survey=%s visible=%s", survey.id, results.visible)
        try:
            await publisher.refresh_card(survey, results.respondents)
        except Exception:
            # The results are out; a card that still shows the open state is cosmetic.
            log.exception("pulse card not redrawn survey=%s", survey.id)

    async def _refresh_count(self, survey: SurveyRecord) -> None:
        publisher = self._publishers.get(survey.platform)
        if publisher is None:
            return
        try:
            now = self._service.now()
            until = now + self._count_window
            if not await self._repository.claim_count_refresh(survey.id, now, until):
                return  # another process's refresh is pending and will include this answer
            await asyncio.sleep(self._count_window.total_seconds())
        finally:
            # Answers from here on are not in the count about to be read: they start anew.
            self._refreshing.discard(survey.id)
        for attempt in range(RATE_LIMITED_RETRIES + 1):
            latest = await self._repository.load_survey(survey.id)
            if latest is None or latest.status is not SurveyStatus.OPEN:
                return  # closing redraws the card itself
            try:
                await publisher.refresh_card(latest, await self._service.count(survey.id))
                return
            except RetryLater as later:
                if attempt == RATE_LIMITED_RETRIES:
                    raise
                wait = min(max(later.seconds, 0.0), LONGEST_RETRY_AFTER_SECONDS)
                log.warning("pulse card rate limited survey=%s wait=%.1fs", survey.id, wait)
                # Hold the refresh for the wait, so that no process calls meanwhile; should
                # another hold it already, its refresh will show the latest count.
                now = self._service.now()
                held = now + timedelta(seconds=wait)
                if not await self._repository.claim_count_refresh(survey.id, now, held):
                    return
                await asyncio.sleep(wait)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop ticking, then let card updates and posts under way finish (bounded)."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._drain_seconds)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("pulse shutdown with %d card update(s) unfinished", len(pending))

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("pulse tick failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._tick)

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, job: Coroutine[Any, Any, None]) -> None:
        try:
            await job
        except Exception:
            log.exception("pulse card update failed")
