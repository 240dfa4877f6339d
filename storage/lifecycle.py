"""The storage interface of the data lifecycle: forgetting one person, deleting a workspace,
and purging what is older than the retention period. It spans every other concern's tables,
which is why it is a store of its own rather than a method of each: one transaction (or one
bounded batch) over rows that `ConversationStore`, `PulseStore` and `AdminStore` wrote.
`bot.forget`, `bot.retention` and the Slack uninstall use it; `storage.sql.lifecycle` and
`storage.memory.lifecycle` implement it.

Deleting a workspace (`delete_workspace`: the app was uninstalled or its tokens revoked) takes
every conversation, assessment, conversation reference and pulse survey of the workspace in one
transaction, and keeps the audit log and the knowledge loads: they belong to no workspace's
users, and an audit trail that an uninstall could erase would not be one.

Forgetting (`forget_user`) is one transaction over everything stored about a person in one
workspace: their conversation, assessments and conversation reference; their pulse survey
answers, found through the respondent key the caller computes for each survey (the key is an
HMAC whose secret only the application holds, so storage cannot find them by itself); the
link to surveys they launched (the launcher key is replaced by `NOBODY`, which no HMAC gives);
and, for Teams, the delivery keys of their private chat, which name its conversation id. What
it keeps is counted, not deleted: their entries in the audit log and the knowledge loads, an
admin's accountability record. A closed survey's stored tally keeps counting their answers:
it holds totals, no respondent.

Purging (`purge_*`) is a set of plain, bounded statements (`DELETE ... WHERE <older than the
cutoff>` on at most `limit` rows, oldest key first), each its own transaction and each
returning how many rows it changed, so a job calls one until it returns less than `limit`.
Running them twice, or in several processes at once, only finds less to delete: on
PostgreSQL every batch takes its rows with `FOR UPDATE SKIP LOCKED`, so concurrent purges
take disjoint batches and never wait on each other (nor deadlock); SQLite's write
transactions run one at a time anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from storage.conversations import ConversationKey

# What a forgotten launcher's surveys carry instead of their key: 64 hex characters, like a
# key, that no HMAC-SHA256 gives in practice; `may_manage` then matches nobody but admins.
NOBODY = "0" * 64
# What a series keeps as its launcher's user id once they are forgotten: no platform's id.
NO_LAUNCHER = "-"
# What a superseded knowledge load is reduced to once it is past the retention period: its
# version stays (see `purge_knowledge_loads`), who loaded it and its files go.
RETIRED_ACTOR = "(retired)"


@dataclass(frozen=True)
class Forgotten:
    """What `forget_user` deleted, and what it kept.

    `conversation` is the deleted conversation's state (to tell a diagnostic in progress from
    a finished one), None when there was none. `admin_records` counts the audit entries and
    knowledge loads naming the person as actor: kept."""

    conversation: dict[str, Any] | None = None
    assessments: int = 0
    references: int = 0
    survey_answers: int = 0
    launched_surveys: int = 0
    deliveries: int = 0
    admin_records: int = 0

    @property
    def deleted_rows(self) -> int:
        conversations = 0 if self.conversation is None else 1
        return conversations + self.assessments + self.references + self.survey_answers

    @property
    def anything(self) -> bool:
        """Whether anything was deleted or unlinked."""
        return bool(self.deleted_rows + self.launched_surveys + self.deliveries)


class LifecycleStore(Protocol):
    """Forgetting, deleting a workspace and purging. Every method is one transaction; times must
    be timezone-aware and limits at least 1 (ValueError otherwise, nothing changed)."""

    async def forget_user(
        self,
        key: ConversationKey,
        *,
        respondent_key: Callable[[str], str] | None = None,
        member_key: Callable[[str], str] | None = None,
        launcher_key: str | None = None,
        delivery_prefix: str | None = None,
    ) -> Forgotten:
        """Delete everything stored about the person `key` in its
        workspace, in one transaction (module docstring). `respondent_key(survey_id)` gives
        their respondent key in a survey of that workspace, `member_key(survey_id)` their
        reminder mark's key there (counted with the answers); `launcher_key` their launcher
        key (their surveys and series are unlinked, and counted as launched); `delivery_prefix`
        the start of the delivery keys that name their private chat
        (matched literally, `%` and `_` included). Running it again finds nothing more."""
        ...

    async def delete_workspace(self, platform: str, workspace: str) -> int:
        """Delete every conversation, assessment, conversation reference, pulse series and
        pulse survey (with its responses and marks) of the workspace, in one transaction
        (module docstring). Returns the number of rows deleted, responses included."""
        ...

    async def purge_conversations(self, before: datetime, limit: int) -> int:
        """Delete conversations last updated before `before`, in progress or not; then the
        conversation references of people with no conversation updated since (the reference
        is refreshed rarely, the conversation on every turn). Returns the rows deleted."""
        ...

    async def purge_assessments(self, before: datetime, limit: int) -> int:
        """Delete assessments completed before `before`."""
        ...

    async def purge_deliveries(self, before: datetime, limit: int | None = None) -> int:
        """Forget delivery keys recorded before `before` (platforms stop retrying after
        minutes, so old keys only take space): the oldest `limit` of them, or all of them
        without `limit`. Returns how many were deleted."""
        ...

    async def purge_survey_responses(self, closed_before: datetime, limit: int) -> int:
        """Delete the responses of surveys closed before `closed_before`. Their tally, stored
        when they closed, stays: it is all their results are computed from."""
        ...

    async def purge_surveys(self, closed_before: datetime, limit: int) -> int:
        """Delete surveys closed before `closed_before`, tally and responses included. Open
        surveys are never touched. Returns the surveys and responses deleted."""
        ...

    async def purge_knowledge_loads(self, before: datetime, keep: int, limit: int) -> int:
        """Retire knowledge loads from before `before`, except the latest `keep` successful
        ones (the active one among them): failed loads are deleted; a successful load is
        deleted when a later successful load has its version, and otherwise reduced to its
        version (files, counts, actor and workspace dropped), so that a process starting
        from an old copy of the files still sees that version was superseded and does not
        bring it back. Returns the rows deleted or reduced; `keep` must be at least 1."""
        ...

    async def purge_audit(self, before: datetime, limit: int) -> int:
        """Delete audit entries from before `before`."""
        ...
