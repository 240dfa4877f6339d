""" "Forget me": delete everything stored about the person who asks, and tell them what went.

Platform-neutral: the Slack and Teams adapters (`bot/handlers/*/forget.py`) ask for the
confirmation, call `ForgetService.forget`, and draw `report(...)` in their own format.

What goes, in one transaction (`storage.lifecycle`): the person's conversation, completed
assessments and conversation reference; their answers to the workspace's pulse surveys (found
with the survey keys, which only this application can compute); the link between them and any
survey they launched; on Teams, the delivery keys naming their private chat. What stays, and
the reply says so: closed surveys' totals (counts, nobody's answers), and admin records naming
them (the audit log and knowledge loads: an admin's accountability record, a legitimate
interest, removed only by retention). The logs get the counts, never the person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.engine.state import ConversationState, Phase
from bot.pulse.keys import PulseKeys
from storage.conversations import ConversationKey
from storage.lifecycle import Forgotten, LifecycleStore

log = logging.getLogger(__name__)

CONFIRM_TITLE = "Delete everything I keep about you?"
CONFIRM_TEXT = (
    "This deletes, here: your diagnostic (in progress or finished) and your completed results, "
    "what I keep to message you, your answers to pulse surveys, and the link between you and "
    "any survey you launched. It cannot be undone. Closed surveys' team totals stay: they "
    "count answers, never who gave them."
)
CONFIRM_BUTTON = "Delete my data"
CANCEL_BUTTON = "Cancel"
CANCELLED = "Nothing was deleted."
SORRY = (
    "Sorry, something went wrong on my side and nothing was deleted. Please try again in a moment."
)
DONE_TITLE = "Done: I deleted everything I kept about you."
NOTHING_TITLE = "There was nothing to delete: I keep no conversation, result or answer of yours."
KEPT_TITLE = "What stays"
TOTALS_KEPT = "Closed pulse surveys' team totals: they count answers, never who gave them."


@dataclass(frozen=True)
class ForgetReport:
    """What the person is told: a title, what was deleted and what stays (plain sentences,
    no user input in them, so every platform can show them as they are)."""

    title: str
    deleted: tuple[str, ...]
    kept: tuple[str, ...]


class ForgetService:
    def __init__(
        self,
        repository: LifecycleStore,
        keys: PulseKeys,
        retention_days: int | None = None,
    ) -> None:
        self._repository = repository
        self._keys = keys
        self._retention_days = retention_days

    async def forget(
        self, key: ConversationKey, *, delivery_prefix: str | None = None
    ) -> Forgotten:
        """Delete what is stored about `key`'s person in its workspace (one transaction);
        `delivery_prefix` names their private chat's delivery keys (Teams)."""

        def respondent(survey_id: str) -> str:
            return self._keys.respondent(key.platform, key.workspace, survey_id, key.user)

        forgotten = await self._repository.forget_user(
            key,
            respondent_key=respondent,
            launcher_key=self._keys.launcher(key.platform, key.workspace, key.user),
            delivery_prefix=delivery_prefix,
        )
        # Counts only, and not the survey ones: who took part in a survey is nobody's business.
        log.info(
            "forget-me done platform=%s workspace=%s conversation=%d assessments=%d "
            "references=%d deliveries=%d admin_records_kept=%d",
            key.platform,
            key.workspace,
            0 if forgotten.conversation is None else 1,
            forgotten.assessments,
            forgotten.references,
            forgotten.deliveries,
            forgotten.admin_records,
        )
        return forgotten

    def report(self, forgotten: Forgotten, platform: str) -> ForgetReport:
        """What to tell the person; `platform` is the name they know ("Slack", "Teams")."""
        return report(forgotten, platform, self._retention_days)


def report(forgotten: Forgotten, platform: str, retention_days: int | None = None) -> ForgetReport:
    deleted = tuple(_deleted(forgotten))
    kept = [TOTALS_KEPT]
    if forgotten.admin_records:
        until = (
            f"; retention deletes them after {retention_days} days, except the record of the "
            "knowledge versions in use"
            if retention_days
            else " (an administrator of this app can remove them)"
        )
        kept.append(
            f"{_count(forgotten.admin_records, 'admin record')} naming you (knowledge reloads, "
            f"the audit log): kept for accountability{until}."
        )
    kept.append(
        f"Messages already in our chat: they are kept by {platform}, not by me; "
        "you can delete your own there."
    )
    title = DONE_TITLE if deleted else NOTHING_TITLE
    return ForgetReport(title, deleted, tuple(kept))


def _deleted(forgotten: Forgotten) -> list[str]:
    lines: list[str] = []
    if forgotten.conversation is not None:
        lines.append(_conversation(forgotten.conversation))
    if forgotten.assessments:
        lines.append(_count(forgotten.assessments, "completed result"))
    if forgotten.references:
        lines.append("the reference I used to message you")
    if forgotten.survey_answers:
        lines.append(f"your answers to {_count(forgotten.survey_answers, 'pulse survey')}")
    if forgotten.launched_surveys:
        surveys = _count(forgotten.launched_surveys, "pulse survey")
        them = "it" if forgotten.launched_surveys == 1 else "them"
        lines.append(
            f"the link between you and {surveys} you launched (an admin can still close {them})"
        )
    if forgotten.deliveries:
        records = _count(forgotten.deliveries, "record")
        lines.append(f"{records} of your recent messages' delivery, kept to ignore duplicates")
    return lines


def _conversation(state: dict[str, object]) -> str:
    phase = ConversationState.from_json(dict(state)).phase
    if phase is Phase.ASKING:
        return "your diagnostic in progress"
    if phase is Phase.DONE:
        return "the answers of your last diagnostic"
    return "our conversation's saved state"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"
