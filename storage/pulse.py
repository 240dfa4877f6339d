"""The storage interface of team pulse surveys (`bot/pulse/`), and the records it exchanges.

Anonymity is a property of what is stored: a response row holds the survey, a respondent key
and the answers, nothing else. The respondent key is a keyed hash (HMAC) of the platform,
workspace, survey and user, computed by the service with a secret that never reaches the
database, so the key de-duplicates a person's answers within one survey without naming them
and without linking their answers across surveys. Responses carry no timestamp: one could be
matched against the platform's own record of who clicked when. The launcher is stored the
same way (a keyed hash), only to let them close and export their own survey.

Every state change that several processes may attempt at once (closing, posting results,
reminding, refreshing the live count) is a conditional update: exactly one caller wins it.

`PulseStore` is what `bot.pulse.service.PulseService` and `bot.pulse.runner.PulseRunner` need;
`storage.sql.pulse` and `storage.memory.pulse` implement it. The records keep the feature's own
noun: a pulse stores surveys (`SurveyRecord`), and so do the tables (`surveys`,
`survey_responses`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

SURVEY_ID_LENGTH = 32  # uuid4().hex
RESPONDENT_KEY_LENGTH = 64  # hex of an HMAC-SHA256


class SurveyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ResponseOutcome(StrEnum):
    ADDED = "added"  # the respondent's first answer to this survey
    REPLACED = "replaced"  # they had answered before; their earlier answer is gone
    CLOSED = "closed"  # the survey is closed or past its deadline: nothing was written
    UNKNOWN = "unknown"  # no such survey (deleted with its workspace, or a forged id)


@dataclass(frozen=True)
class SurveyTally:
    """How many answered and, per question, how many chose each option: the whole of what a
    survey's results are computed from, and what is kept once it closes. Only chosen options
    appear: an option nobody chose, or a question nobody answered, has no entry."""

    respondents: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # question -> option -> n

    def to_json(self) -> dict[str, Any]:
        return {"respondents": self.respondents, "counts": self.counts}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SurveyTally:
        counts = {
            str(question): {str(option): int(n) for option, n in options.items()}
            for question, options in dict(data.get("counts") or {}).items()
        }
        return cls(int(data.get("respondents", 0)), counts)


@dataclass(frozen=True)
class SurveyRecord:
    """A survey as stored.

    `channel` is where it was launched (a Slack channel id, a Teams conversation id);
    `message` says where its card is, in the platform's own terms (Slack: channel and ts;
    Teams: the conversation reference and the activity id), empty until the card is posted.
    `question_ids` and `knowledge_version` are the pulse questions at launch: a reload of the
    knowledge does not change a running survey's questions. `tally` is set when it closes.
    """

    id: str
    platform: str
    workspace: str
    channel: str
    launcher_key: str
    question_ids: tuple[str, ...]
    knowledge_version: str
    threshold: int
    created_at: datetime
    deadline: datetime
    remind_at: datetime | None = None
    status: SurveyStatus = SurveyStatus.OPEN
    closed_at: datetime | None = None
    message: dict[str, Any] = field(default_factory=dict)
    tally: SurveyTally | None = None
    results_posted_at: datetime | None = None
    reminded_at: datetime | None = None
    # A round of a recurring series (`storage.series`): the series and the round's number.
    series_id: str | None = None
    round_number: int | None = None


class PulseStore(Protocol):
    """Everything the pulse service and runner need from storage. Safe to share between
    concurrent tasks and processes; every method is one transaction. Timestamps must be
    timezone-aware (ValueError otherwise, nothing written). A survey id that is not 32
    lowercase hex characters (ids arrive in button payloads, which can be forged) names no
    survey: the methods answer as for an unknown survey rather than raise."""

    async def create_survey(self, survey: SurveyRecord) -> None:
        """Store a new open survey. ValueError for a caller's mistake (an id that is not 32
        lowercase hex characters or is taken, a launcher key that is not 64 such characters,
        a threshold below 1, a deadline not after `created_at`, an empty question list or one
        asking a question twice, naive timestamps, a status other than open, a closing, tally,
        posting or reminder already set, text longer than its column or holding NUL)."""
        ...

    async def set_survey_message(self, survey_id: str, message: dict[str, Any]) -> None:
        """Record where the survey's card was posted (JSON-shaped; ValueError otherwise)."""
        ...

    async def delete_survey(self, survey_id: str) -> None:
        """Remove a survey and its responses (its card could not be posted). No error when
        there is none."""
        ...

    async def load_survey(self, survey_id: str) -> SurveyRecord | None: ...

    async def latest_survey(
        self,
        platform: str,
        workspace: str,
        channel: str,
        status: SurveyStatus | None = None,
    ) -> SurveyRecord | None:
        """The most recently created survey of that channel (with that status, if given)."""
        ...

    async def record_response(
        self,
        survey_id: str,
        respondent_key: str,
        answers: dict[str, str],
        now: datetime,
        member_key: str | None = None,
    ) -> ResponseOutcome:
        """One atomic insert-or-replace of the respondent's answers, keyed by (survey,
        respondent key), written only while the survey is open and `now` is before its
        deadline; a close that commits first wins, and a response that commits first is in
        the close's tally. With `member_key`, the person is marked "responded" for the
        private reminders (`storage.reminders`) in the same transaction. Concurrent calls for
        one key leave exactly one row, whole. ValueError for a key (either) that is not 64
        lowercase hex characters or answers that are not a non-empty dict of str to str (each
        non-empty, at most 255 characters, without NUL: PostgreSQL could not tally a NUL back
        out of JSON)."""
        ...

    async def load_response(self, survey_id: str, respondent_key: str) -> dict[str, str] | None:
        """The respondent's current answers (to show them what they answered), or None."""
        ...

    async def count_responses(self, survey_id: str) -> int: ...

    async def tally_responses(self, survey_id: str) -> SurveyTally:
        """The live tally (the same computation `close_survey` stores)."""
        ...

    async def close_survey(self, survey_id: str, now: datetime) -> SurveyRecord | None:
        """Close an open survey and store its tally, in one transaction. Returns the closed
        record when this call closed it; None when it was closed already (or does not exist),
        so of any number of concurrent calls exactly one gets the record."""
        ...

    async def claim_results(self, survey_id: str, now: datetime, lease_until: datetime) -> bool:
        """Take the job of posting a closed survey's results: True for exactly one caller
        while the results are not posted and no other claim's lease runs (a claimant that died
        is replaced once its lease is over). ValueError for a `lease_until` not after `now`: a
        lease over at once would let every caller win."""
        ...

    async def mark_results_posted(self, survey_id: str, now: datetime) -> None:
        """Note that a closed survey's results are out, which ends its claims for good. Only the
        first call's time is kept."""
        ...

    async def claim_reminder(self, survey_id: str, now: datetime) -> bool:
        """Take the job of sending the survey's one reminder: True for exactly one caller, when
        the survey is open, its reminder is due (`remind_at` <= now) and was not sent, and its
        deadline is still ahead (past it nobody can answer, so there is nothing to remind of)."""
        ...

    async def claim_count_refresh(self, survey_id: str, now: datetime, until: datetime) -> bool:
        """Take the job of refreshing the card's live count: True when no other refresh is
        pending (none claimed, or the last claim's `until` is not after `now`); the claim holds
        until `until`. Spreads a burst of responses into one card update per window."""
        ...

    async def surveys_due(self, now: datetime, limit: int = 100) -> list[SurveyRecord]:
        """Surveys with scheduled work at `now`: open past their deadline (to close), closed
        without posted results and no running claim (to post), open with a due reminder not
        sent. Oldest deadline first; ValueError for a `limit` below 1."""
        ...
