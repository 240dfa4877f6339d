"""The data every in-memory store shares: the dicts that stand for the tables.

Each store (`storage.memory.conversations`, `.pulse`, `.admin`, `.lifecycle`) receives the same
`MemoryDatabase` and reads and changes its public dicts, the way the SQL stores share one
database's tables. No store method awaits, so under one event loop each call is atomic, like
the transaction it stands for: that is what gives the conditional updates exactly one winner,
and why there is no lock. It is not meant to be shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.admin import AuditRecord, KnowledgeLoadRecord
from storage.conversations import AssessmentRecord, ConversationKey, StoredConversation
from storage.pulse import SurveyRecord
from storage.series import SeriesRecord


@dataclass
class StoredSurvey:
    """A survey and the leases the SQL table keeps in columns the record does not show."""

    record: SurveyRecord
    results_claimed_until: datetime | None = None
    count_refresh_until: datetime | None = None
    card_claimed_until: datetime | None = None
    reminders_claimed_until: datetime | None = None


@dataclass
class Mark:
    """One row of `survey_marks`: a member of an open survey's channel, by member key."""

    responded: bool = False
    reminded: bool = False


class MemoryDatabase:
    """The tables as dicts; nothing survives the process. Stored values are the stores' own
    copies (JSON-shaped, as a database would give them back): callers only ever see copies."""

    def __init__(self) -> None:
        # conversations, assessments, conversation_references, deliveries
        self.conversations: dict[ConversationKey, StoredConversation] = {}
        self.assessments: dict[ConversationKey, list[AssessmentRecord]] = {}
        self.references: dict[ConversationKey, tuple[dict[str, Any], datetime]] = {}  # + time
        self.deliveries: dict[str, datetime] = {}
        # surveys, and survey_responses: survey id -> respondent key -> answers (like the
        # table, nothing else per response)
        self.surveys: dict[str, StoredSurvey] = {}
        self.responses: dict[str, dict[str, dict[str, str]]] = {}
        # survey_series by id, and survey_marks: survey id -> member key -> mark
        self.series: dict[str, SeriesRecord] = {}
        self.marks: dict[str, dict[str, Mark]] = {}
        # knowledge_loads and audit_log, by id in id order (dicts keep insertion order); ids
        # start at 1 and, as in the database, are never reused once retention deleted a row.
        self.loads: dict[int, KnowledgeLoadRecord] = {}
        self.audit: dict[int, AuditRecord] = {}
        self._last_load_id = 0
        self._last_audit_id = 0

    def next_load_id(self) -> int:
        self._last_load_id += 1
        return self._last_load_id

    def next_audit_id(self) -> int:
        self._last_audit_id += 1
        return self._last_audit_id
