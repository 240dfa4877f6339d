"""The storage interface of private reminders: who of a survey's channel has answered or been
reminded, without anything that says what they answered.

A reminder goes only to the people who have not answered. Knowing who answered must not let
anyone learn what they answered, so `survey_marks` holds, per open survey, *member keys*: a
keyed hash (HMAC) of the platform, workspace, survey and user with a label of its own
(`bot.pulse.keys.PulseKeys.member`), never the respondent key of the answer, so the two tables
cannot be joined without the secret, which never reaches the database. A mark says
"responded" (set with the answer) and "reminded" (set before the reminder is sent, so a
process dying mid-batch never reminds anyone twice). A survey's marks are deleted in the
transaction that closes it: after the close, nothing records who took part.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol


class MarkOutcome(StrEnum):
    MARKED = "marked"
    ALREADY = "already"  # asked to mark reminded, and it was: no second reminder
    CLOSED = "closed"  # no such open survey: nothing was marked


class ReminderStore(Protocol):
    """Same rules as `storage.pulse.PulseStore`: one transaction per call, aware timestamps,
    forged survey ids answered as unknown, ValueError for a caller's mistake."""

    async def mark_responded(self, survey_id: str, member_keys: list[str]) -> MarkOutcome:
        """Mark members of an open survey as having answered (one call per answer, or a
        batch). CLOSED, with nothing written, when the survey is not open."""
        ...

    async def mark_reminded(self, survey_id: str, member_keys: list[str]) -> list[str]:
        """Mark members as reminded, before their reminders are sent: returns the keys this
        call marked (in key order), leaving out those already marked responded or reminded
        (one reminder per person per survey, whichever process sends it). [] when the survey
        is not open."""
        ...

    async def marked_members(self, survey_id: str) -> set[str]:
        """Every member key marked (responded or reminded) on the survey."""
        ...

    async def claim_reminders(self, survey_id: str, now: datetime, until: datetime) -> bool:
        """Take the job of sending an open survey's reminders: True for one caller while they
        are due (`remind_at` <= now < deadline), not finished, and no other claim runs (a
        claimant that died is replaced once `until` is over). ValueError for `until` not
        after `now`."""
        ...

    async def finish_reminders(self, survey_id: str, now: datetime) -> None:
        """Every reminder of the survey is out: ends its claims for good."""
        ...
