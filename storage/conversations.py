"""The storage interface of the diagnostic's conversations, and the records it exchanges.

`ConversationStore` is what `bot.service.AdvisorService` (and the platform handlers, for
delivery keys and Teams conversation references) need: a person's conversation state with its
optimistic-concurrency version, their completed assessments, the delivery keys that make a
redelivered request a no-op, and the conversation reference that lets the bot message them
later. `storage.sql.conversations` and `storage.memory.conversations` implement it; one
contract test suite (`tests/storage/test_contract.py`) runs against both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# Slack event ids and Teams activity ids are far shorter; a caller that builds longer keys
# (say, from a click's payload) should hash them rather than rely on truncation.
DELIVERY_KEY_LENGTH = 255

# Column sizes (storage.tables), checked up front where SQLite would not enforce them, shared
# by every record that names a platform, workspace or user (pulse and admin ones too). Slack
# ids are ~11 characters, Teams tenant and AAD object ids 36, Teams "29:..." user ids can
# exceed 100: 255 leaves room without inviting unbounded keys. Labels (knowledge version,
# recommendation, clarity) get 128, room for a version string plus a 64-character digest.
KEY_LENGTH = 255
PLATFORM_LENGTH = 32
LABEL_LENGTH = 128


@dataclass(frozen=True)
class ConversationKey:
    """Whose conversation: one per (platform, workspace, user)."""

    platform: str
    workspace: str
    user: str


@dataclass(frozen=True)
class StoredConversation:
    """A conversation's saved state and its optimistic-concurrency version."""

    key: ConversationKey
    state: dict[str, Any]
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class AssessmentRecord:
    """A completed diagnostic: what was answered, how it scored, and with which knowledge."""

    key: ConversationKey
    completed_at: datetime
    knowledge_version: str
    recommendation: str
    clarity: str
    answers: dict[str, str | None] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnWrite:
    """What a turn decided, given the stored conversation: the state to save (None when the
    conversation is unchanged and nothing is saved) and the assessment it completed, if any."""

    state: dict[str, Any] | None
    assessment: AssessmentRecord | None = None


# A turn's decision, computed from the stored conversation (None when there is none yet).
TurnStep = Callable[[StoredConversation | None], TurnWrite]


class ConversationStore(Protocol):
    """Conversations, assessments, delivery keys and conversation references. Safe to share
    between concurrent tasks: each call is its own transaction. Database failures raise
    `storage.errors.StorageError`. (Deleting a workspace's data, forgetting a person and
    purging old rows, delivery keys included, are `storage.lifecycle.LifecycleStore`'s.)"""

    async def load_conversation(self, key: ConversationKey) -> StoredConversation | None:
        """The conversation's state and version, or None when there is none yet."""
        ...

    async def save_turn(
        self,
        key: ConversationKey,
        state: dict[str, Any],
        expected_version: int | None,
        now: datetime,
        assessment: AssessmentRecord | None = None,
        delivery_key: str | None = None,
    ) -> int:
        """Save the new state (and the assessment, if the turn completed one) in one
        transaction. With `delivery_key`, the key is recorded in the same transaction (as
        `record_delivery` would) and `DuplicateDeliveryError` is raised, nothing written, when it
        was recorded before: one write per answering turn instead of two.

        `expected_version` is the version that was loaded (None when there was no
        conversation). Returns the new version. Raises `ConcurrentUpdateError` when the stored
        version differs (or, for None, when a conversation now exists); nothing is written then.
        Raises ValueError, writing nothing, for a caller's mistake: a naive datetime, a state or
        assessment values JSON cannot hold (objects, NaN), an assessment of another user.
        """
        ...

    async def run_turn(
        self,
        key: ConversationKey,
        step: TurnStep,
        now: datetime,
        delivery_key: str | None = None,
    ) -> int | None:
        """A whole turn in one transaction: record `delivery_key` (`DuplicateDeliveryError`,
        nothing written, when it was recorded before), load the conversation, hand it to
        `step`, and save what `step` returns as `save_turn` would. Returns the new version, or
        None when `step` left the conversation unchanged (only the delivery is recorded then).

        One transaction instead of a read and then a write: a turn costs one round of BEGIN and
        COMMIT, the largest part of its cost. `step` runs inside the transaction (on SQLite,
        holding the write lock), so it must be quick and must not wait on anything: the pure
        engine is. `ConcurrentUpdateError` when another turn saved in between (on databases
        that let two such transactions run at once); nothing of this turn is kept then. The
        errors of `save_turn` for a caller's mistake apply to what `step` returns, and
        whatever `step` raises passes through, writing nothing.
        """
        ...

    async def latest_assessment(self, key: ConversationKey) -> AssessmentRecord | None:
        """The most recent completed assessment of this user, or None."""
        ...

    async def list_assessments(
        self, key: ConversationKey, limit: int | None = None
    ) -> list[AssessmentRecord]:
        """Every completed assessment of this user, oldest first; with `limit`, only the newest
        `limit` of them (still oldest first), read newest first so that a person with hundreds
        of results costs no more than one with a few. Of assessments completed at the same
        instant, the one saved later counts as newer. Raises ValueError for a `limit` below 1.
        """
        ...

    async def record_delivery(self, key: str, now: datetime) -> bool:
        """Note that the delivery `key` (a Slack event id, a Teams activity id, a click) is
        being handled: True the first time the key is recorded, False for every later call with
        the same key, from any process. So a retried or redelivered request is processed once.
        Raises ValueError for a caller's mistake: a key that is empty, longer than
        DELIVERY_KEY_LENGTH characters, holds NUL or is not valid Unicode; a naive `now`.
        """
        ...

    async def save_reference(
        self, key: ConversationKey, reference: dict[str, Any], now: datetime
    ) -> None:
        """Keep `reference` (a Bot Framework ConversationReference as JSON: what it takes to
        message the user later, unprompted, e.g. for a pulse survey) as this user's reference,
        replacing any earlier one. One atomic write: of concurrent saves for one key, one is
        kept whole, never a mix, and there is never more than one reference per key. The last
        write wins, whatever its `now`. Raises ValueError, writing nothing, for a caller's
        mistake: a reference JSON cannot hold (objects, NaN), a naive `now`.
        """
        ...

    async def load_reference(self, key: ConversationKey) -> dict[str, Any] | None:
        """The user's latest saved reference, or None when there is none."""
        ...
