"""Retention: every process purges, about once an hour, what is past its time.

The rules (docs/privacy.md, "Data lifecycle"):

* Delivery keys older than a day, always (with or without RETENTION_DAYS): they only serve to
  recognise a platform's redelivery, which comes within minutes, and name nothing but ids.
* With RETENTION_DAYS = N, everything below is measured against the cutoff, N days ago:
  - conversations not updated since the cutoff, in progress or finished, and the conversation
    references of people with no conversation updated since;
  - the responses of surveys closed before the cutoff (their tally, the results, stays);
  - failed knowledge loads from before the cutoff; successful ones too, except the latest
    KEEP_KNOWLEDGE_LOADS (the active one among them), down to one version marker per
    superseded version (see `storage.lifecycle`);
  - audit entries from before the cutoff.
* With RETENTION_ASSESSMENTS=true as well: completed assessments from before the cutoff, and
  surveys closed before it, tally and all.

Each purge is a series of bounded DELETEs, each its own short transaction, so a run never
holds a lock for long; running it twice, or in every process at once, only finds less to
delete (`storage.lifecycle`). The log gets counts, never ids.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot.periodic import Periodic
from bot.service import utc_now
from storage.lifecycle import LifecycleStore

log = logging.getLogger(__name__)

DELIVERY_LIFETIME = timedelta(days=1)
KEEP_KNOWLEDGE_LOADS = 5
BATCH = 500
# Per table and run: a first run over years of data stops here and the next run carries on.
MAX_BATCHES = 200
INTERVAL_SECONDS = 3600.0
# The first run waits a little, so that starting up is not slowed by a large purge.
FIRST_RUN_SECONDS = 60.0


@dataclass(frozen=True)
class RetentionRules:
    days: int | None = None  # RETENTION_DAYS; None keeps everything but delivery keys
    assessments: bool = False  # RETENTION_ASSESSMENTS


@dataclass(frozen=True)
class Purged:
    """Rows deleted (or, for knowledge loads, reduced) by one run."""

    deliveries: int = 0
    conversations: int = 0  # conversations and conversation references
    survey_responses: int = 0
    knowledge_loads: int = 0
    audit_entries: int = 0
    assessments: int = 0
    surveys: int = 0  # surveys and the responses still with them

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


class RetentionJob:
    def __init__(
        self,
        repository: LifecycleStore,
        rules: RetentionRules,
        clock: Callable[[], datetime] = utc_now,
        *,
        batch: int = BATCH,
        interval_seconds: float = INTERVAL_SECONDS,
        first_run_seconds: float = FIRST_RUN_SECONDS,
    ) -> None:
        self._repository = repository
        self._rules = rules
        self._clock = clock
        self._batch = batch
        self._loop = Periodic(self.run_once, interval_seconds, first=first_run_seconds)

    async def run_once(self) -> Purged:
        """Purge what is due now. Never raises: a table that fails is logged and retried on
        the next run, the others are purged all the same."""
        now = self._clock()
        repository = self._repository
        counts: dict[str, int] = {}
        purges: dict[str, Callable[[int], Awaitable[int]]] = {
            "deliveries": lambda n: repository.purge_deliveries(now - DELIVERY_LIFETIME, n),
        }
        days = self._rules.days
        if days is not None:
            cutoff = now - timedelta(days=days)
            purges |= {
                "conversations": lambda n: repository.purge_conversations(cutoff, n),
                "survey_responses": lambda n: repository.purge_survey_responses(cutoff, n),
                "knowledge_loads": lambda n: repository.purge_knowledge_loads(
                    cutoff, KEEP_KNOWLEDGE_LOADS, n
                ),
                "audit_entries": lambda n: repository.purge_audit(cutoff, n),
            }
            if self._rules.assessments:
                purges |= {
                    "assessments": lambda n: repository.purge_assessments(cutoff, n),
                    "surveys": lambda n: repository.purge_surveys(cutoff, n),
                }
        for name, purge in purges.items():
            counts[name] = await self._drain(name, purge)
        purged = Purged(**counts)
        if purged.total:
            log.info(
                "retention purge %s", " ".join(f"{name}={n}" for name, n in counts.items() if n)
            )
        return purged

    async def _drain(self, name: str, purge: Callable[[int], Awaitable[int]]) -> int:
        total = 0
        try:
            for _ in range(MAX_BATCHES):
                deleted = await purge(self._batch)
                total += deleted
                if deleted < self._batch:
                    break
                await asyncio.sleep(0)  # let requests in between batches
        except Exception:
            log.exception("retention purge failed table=%s", name)
        return total

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
