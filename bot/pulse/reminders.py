"""Private reminders: before a survey closes, everyone in its channel who has not answered gets
one reminder in a private chat with the bot, and nobody gets two.

Who answered is known only as *member keys* (`storage.reminders`, `PulseKeys.member`): a keyed
hash of their own label, never joinable with the answers, deleted when the survey closes. The
sender lists the channel's members (`MemberDirectory`, one per platform), hashes them, drops the
keys already marked (responded or reminded) and orders the rest by member key, an order that has
nothing to do with who answered when. It then sends in fixed batches at fixed times: the first
as soon as the job is claimed (at `remind_at`, or the first tick after it), batch `i` at
`remind_at + i * interval`, however fast the platform answers, so when a reminder arrives says
nothing but where its key falls in that order.

A batch is marked "reminded" before it is sent, and only the members `mark_reminded` returns
(newly marked by this call) are sent to: a process dying mid-batch costs those people their
reminder, never a second one, and two senders can never both remind the same person.

The job is held by a lease (`claim_reminders`). Durations (defaults; see `ReminderPace`):

- The lease is taken for `interval + BATCH_GRACE` and renewed at every batch's fixed time for
  as long again, so it covers the wait to the next batch plus the batch itself; a Retry-After
  wait inside a batch renews it to cover the wait first. `BATCH_GRACE` (2 minutes) bounds one
  batch: `batch_size` sends with at most `RATE_LIMITED_RETRIES` waits of at most
  `LONGEST_RETRY_AFTER_SECONDS` each would exceed it only under sustained throttling, and then
  the renewal keeps it alive.
- Renewing is the store's own claim made at the moment our lease ends (`now = held`): it
  succeeds only while nobody else holds a later lease, i.e. exactly when no other process took
  the job over after ours ran out. A sender that loses the job stops; the new holder goes on
  with the members not marked yet, at the next fixed time.
- A process that dies leaves its lease to run out (at most `interval + BATCH_GRACE`); any
  process's next tick claims the job again and resumes.

Logs carry the survey id and counts, never a user id nor a member key.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.pulse.keys import PulseKeys
from bot.pulse.retry import RetryLater
from storage.pulse import SurveyRecord
from storage.reminders import ReminderStore

log = logging.getLogger(__name__)

# How long one batch may take, on top of the interval, before the lease runs out.
BATCH_GRACE = timedelta(minutes=2)
# A rate-limited reminder waits as long as the platform asks, up to this, a few times; then that
# person is skipped (they are marked already: no second attempt by anyone).
LONGEST_RETRY_AFTER_SECONDS = 60.0
RATE_LIMITED_RETRIES = 3


class Unreachable(Exception):
    """The platform will never deliver a private message to this person (a bot, a deactivated
    or unknown user, someone who blocked the app): skip them."""


class MembersUnavailable(Exception):
    """The channel's members cannot be listed, and retrying will not change it (a missing
    scope or permission, the channel gone): the runner falls back to one reminder posted in the
    channel."""


class MemberDirectory(Protocol):
    """What the sender needs of a platform."""

    async def members(self, survey: SurveyRecord) -> list[str]:
        """The user ids of the survey's channel (every page), without the bot itself.
        MembersUnavailable when they cannot be listed for good."""
        ...

    async def remind(self, survey: SurveyRecord, user: str) -> None:
        """One private reminder to `user`. RetryLater on a 429, Unreachable for a person who
        cannot be messaged."""
        ...


@dataclass(frozen=True)
class ReminderPace:
    """How many reminders go out together, and how far apart the batches are."""

    batch_size: int
    interval: timedelta
    concurrency: int = 1  # reminders of a batch in flight at once

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if self.interval <= timedelta(0):
            raise ValueError("interval must be positive")

    @property
    def lease(self) -> timedelta:
        return self.interval + BATCH_GRACE


# Slack: chat.postMessage is a "special" tier, about 1 message per second per channel with an
# unpublished workspace-wide cap; each DM is its own channel, so the workspace cap is what
# binds: 50 every 30 s (100 a minute) keeps well under it. 2,000 members: 40 batches, 20 min.
SLACK_PACE = ReminderPace(batch_size=50, interval=timedelta(seconds=30))
# Teams: 50 operations per second per bot per tenant, and each private reminder is two (open
# the 1:1 chat, send): 50 every 5 s (20 operations a second) leaves room for everything else.
# 2,000 members: 40 batches, under 4 min.
TEAMS_PACE = ReminderPace(batch_size=50, interval=timedelta(seconds=5))

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class ReminderOutcome:
    members: int = 0  # in the channel
    pending: int = 0  # not marked when the sender started
    sent: int = 0
    unreachable: int = 0
    failed: int = 0  # rate limited beyond the retries, or another error: not retried
    batches: int = 0
    finished: bool = False  # every reminder out and the job ended; False: lost or stopped


class ReminderSender:
    def __init__(
        self,
        reminders: ReminderStore,
        keys: PulseKeys,
        directory: MemberDirectory,
        pace: ReminderPace,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._reminders = reminders
        self._keys = keys
        self._directory = directory
        self._pace = pace
        self._clock = clock
        self._sleep = sleep

    async def claim(self, survey: SurveyRecord) -> datetime | None:
        """Take the job; the end of the lease, or None when it is not due or someone has it."""
        now = self._clock()
        held = now + self._pace.lease
        if await self._reminders.claim_reminders(survey.id, now, held):
            return held
        return None

    async def send(self, survey: SurveyRecord, held: datetime) -> ReminderOutcome:
        """Every pending reminder, batch by batch at the fixed times (the caller claimed the
        job until `held`). MembersUnavailable propagates, with nothing marked or sent."""
        outcome = ReminderOutcome()
        users = await self._directory.members(survey)
        by_key = {
            self._keys.member(survey.platform, survey.workspace, survey.id, user): user
            for user in users
        }
        marked = await self._reminders.marked_members(survey.id)
        pending = sorted(key for key in by_key if key not in marked)
        outcome.members, outcome.pending = len(by_key), len(pending)
        log.info(
            "pulse reminders start survey=%s members=%d pending=%d",
            survey.id,
            outcome.members,
            outcome.pending,
        )
        lease = _Lease(self._reminders, survey.id, held)
        slot: datetime | None = None
        while pending:
            slot = self._next_slot(survey, slot)
            wait = (slot - self._clock()).total_seconds()
            if wait > 0:
                await self._sleep(wait)
            if slot >= survey.deadline or not await lease.renew(slot + self._pace.lease):
                log.info(
                    "pulse reminders stop survey=%s sent=%d left=%d",
                    survey.id,
                    outcome.sent,
                    len(pending),
                )
                return outcome
            batch, pending = pending[: self._pace.batch_size], pending[self._pace.batch_size :]
            # Marked before sending: only the keys this call marked are ours to remind.
            ours = await self._reminders.mark_reminded(survey.id, batch)
            outcome.batches += 1
            gate = asyncio.Semaphore(self._pace.concurrency)
            await asyncio.gather(
                *(self._gated(gate, survey, by_key[key], lease, outcome) for key in ours)
            )
        await self._reminders.finish_reminders(survey.id, self._clock())
        outcome.finished = True
        log.info(
            "pulse reminders done survey=%s sent=%d unreachable=%d failed=%d batches=%d",
            survey.id,
            outcome.sent,
            outcome.unreachable,
            outcome.failed,
            outcome.batches,
        )
        return outcome

    def _next_slot(self, survey: SurveyRecord, last: datetime | None) -> datetime:
        """The first batch goes at once (the job is claimed on a tick, at a time that has
        nothing to do with anyone's answer, so a survey shorter than an interval still gets
        its reminders); each later one at the first fixed time (`remind_at + i * interval`)
        not before now and after the last batch's: a batch that ran late skips the times it
        ran over."""
        start = survey.remind_at or survey.created_at
        if last is None:
            return max(start, self._clock())
        elapsed = (self._clock() - start) / self._pace.interval
        slot = start + max(math.ceil(elapsed), 0) * self._pace.interval
        if slot <= last:
            slot = last + self._pace.interval
        return slot

    async def _gated(
        self,
        gate: asyncio.Semaphore,
        survey: SurveyRecord,
        user: str,
        lease: _Lease,
        outcome: ReminderOutcome,
    ) -> None:
        async with gate:
            await self._remind_one(survey, user, lease, outcome)

    async def _remind_one(
        self, survey: SurveyRecord, user: str, lease: _Lease, outcome: ReminderOutcome
    ) -> None:
        for attempt in range(RATE_LIMITED_RETRIES + 1):
            try:
                await self._directory.remind(survey, user)
                outcome.sent += 1
                return
            except Unreachable:
                outcome.unreachable += 1
                return
            except RetryLater as later:
                if attempt == RATE_LIMITED_RETRIES:
                    break
                wait = min(max(later.seconds, 0.0), LONGEST_RETRY_AFTER_SECONDS)
                log.warning("pulse reminder rate limited survey=%s wait=%.1fs", survey.id, wait)
                after = self._clock() + timedelta(seconds=wait)
                await lease.cover(after + BATCH_GRACE)
                await self._sleep(wait)
            except Exception as error:
                log.warning(
                    "pulse reminder failed survey=%s error=%s", survey.id, type(error).__name__
                )
                break
        outcome.failed += 1


class _Lease:
    """The sender's hold on the job, renewed by claiming it again at the moment it ends."""

    def __init__(self, reminders: ReminderStore, survey_id: str, held: datetime) -> None:
        self._reminders = reminders
        self._survey_id = survey_id
        self.held = held
        self.lost = False

    async def renew(self, until: datetime) -> bool:
        """Hold the job until `until`: False when another process took it over meanwhile (or
        the survey is no longer due: closed, past its deadline, finished)."""
        if self.lost:
            return False
        if until <= self.held:
            return True
        # At `now = held` our lease is over, and only ours: anyone who claimed after it ran
        # out holds one ending later, which this claim cannot take.
        if await self._reminders.claim_reminders(self._survey_id, self.held, until):
            self.held = until
            return True
        self.lost = True
        return False

    async def cover(self, until: datetime) -> None:
        """Best effort inside a batch: a lost lease is noticed at the next batch."""
        await self.renew(until)
