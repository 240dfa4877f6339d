""" "Forget me": delete everything stored about the person who asks, and tell them what went.

Platform-neutral: the Slack and Teams adapters (`bot/handlers/*/forget.py`) ask for the
confirmation, call `ForgetService.forget`, and draw `report(...)` in their own format. The
words, the report's as the confirmation's, are `bot.views.catalogue`'s.

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
from bot.views import catalogue
from storage.conversations import ConversationKey
from storage.lifecycle import Forgotten, LifecycleStore

log = logging.getLogger(__name__)


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

        def member(survey_id: str) -> str:
            return self._keys.member(key.platform, key.workspace, survey_id, key.user)

        forgotten = await self._repository.forget_user(
            key,
            respondent_key=respondent,
            member_key=member,
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
    kept = [catalogue.FORGET_TOTALS_KEPT]
    if forgotten.admin_records:
        kept.append(catalogue.kept_admin_records(forgotten.admin_records, retention_days))
    kept.append(catalogue.kept_messages(platform))
    title = catalogue.FORGET_DONE if deleted else catalogue.FORGET_NOTHING
    return ForgetReport(title, deleted, tuple(kept))


def _deleted(forgotten: Forgotten) -> list[str]:
    lines: list[str] = []
    if forgotten.conversation is not None:
        lines.append(_conversation(forgotten.conversation))
    if forgotten.assessments:
        lines.append(catalogue.deleted_results(forgotten.assessments))
    if forgotten.references:
        lines.append(catalogue.DELETED_REFERENCE)
    if forgotten.survey_answers:
        lines.append(catalogue.deleted_survey_answers(forgotten.survey_answers))
    if forgotten.launched_surveys:
        lines.append(catalogue.deleted_launcher_links(forgotten.launched_surveys))
    if forgotten.deliveries:
        lines.append(catalogue.deleted_deliveries(forgotten.deliveries))
    return lines


def _conversation(state: dict[str, object]) -> str:
    phase = ConversationState.from_json(dict(state)).phase
    if phase is Phase.ASKING:
        return catalogue.DELETED_DIAGNOSTIC_IN_PROGRESS
    if phase is Phase.DONE:
        return catalogue.DELETED_LAST_DIAGNOSTIC
    return catalogue.DELETED_CONVERSATION
