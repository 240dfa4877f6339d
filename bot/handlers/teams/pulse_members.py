"""Private reminders on Teams (`bot.pulse.reminders.MemberDirectory`): the members of the
survey's channel from the team roster (the connector's paged members of the channel's
conversation, as `TeamsInfo.get_paged_members` reads them), and one reminder each in the
person's one-to-one chat with the bot (`Proactive.send_private`).

Reading the roster needs the app installed in the team, nothing more: no Graph permission
and no resource-specific consent (RSC is for Microsoft Graph calls, not for the Bot Framework
connector). A connector 429 raises `ErrorResponseException`, never retried by the SDK: it
becomes `RetryLater` with the connector's Retry-After.
"""

from __future__ import annotations

import asyncio
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ChannelAccount, ErrorResponseException

from bot.handlers.teams.activities import to_activity
from bot.handlers.teams.cards import TeamsMessage
from bot.handlers.teams.proactive import Proactive, retry_after
from bot.handlers.teams.pulse_publisher import thread_of
from bot.handlers.teams.render import draw
from bot.pulse.reminders import MembersUnavailable, Unreachable
from bot.pulse.retry import RetryLater
from bot.pulse.shown import survey_view
from bot.views import pulse as views
from storage.pulse import SurveyRecord

# Members per pagedmembers page: Teams serves 50 to 500.
PAGE_SIZE = 500
LISTING_RETRIES = 3
LONGEST_LISTING_WAIT_SECONDS = 60.0
# The connector's answers for a roster the bot may not read, for good: removed from the team
# (403), the team or conversation gone (404).
ROSTER_GONE = frozenset({403, 404})
# The connector's answers for a person the bot cannot open a chat with: gone from the tenant
# or the team (404), blocked or not allowed (403).
PERSON_UNREACHABLE = frozenset({403, 404})


def private_reminder_card(survey: SurveyRecord) -> TeamsMessage:
    return draw(views.private_reminder(survey_view(survey)))


class TeamsMemberDirectory:
    def __init__(self, proactive: Proactive) -> None:
        self._proactive = proactive

    async def members(self, survey: SurveyRecord) -> list[str]:
        reference = thread_of(survey)
        if reference is None:
            raise MembersUnavailable("no conversation reference")
        conversation_id = str((reference.get("conversation") or {}).get("id") or "")
        bot_id = str((reference.get("bot") or {}).get("id") or "")
        users: list[str] = []
        seen: set[str] = set()
        token: str | None = None
        while True:
            page = await self._page(reference, conversation_id, token)
            for member in getattr(page, "members", None) or []:
                user = str(getattr(member, "id", "") or "")
                if user and user != bot_id and user not in seen:
                    seen.add(user)
                    users.append(user)
            token = getattr(page, "continuation_token", None) or None
            if token is None:
                return users

    async def remind(self, survey: SurveyRecord, user: str) -> None:
        reference = thread_of(survey)
        if reference is None:
            raise Unreachable("no conversation reference")
        bot = reference.get("bot") or {}
        conversation = reference.get("conversation") or {}
        try:
            await self._proactive.send_private(
                service_url=str(reference.get("serviceUrl", "")),
                tenant=str(conversation.get("tenantId") or survey.workspace),
                bot=ChannelAccount(id=str(bot.get("id", "")), name=bot.get("name")),
                user_id=user,
                activity=to_activity(private_reminder_card(survey)),
            )
        except ErrorResponseException as error:
            wait = retry_after(error)
            if wait is not None:
                raise RetryLater(wait) from error
            if _status(error) in PERSON_UNREACHABLE:
                raise Unreachable(f"connector answered {_status(error)}") from error
            raise

    async def _page(
        self, reference: dict[str, Any], conversation_id: str, token: str | None
    ) -> Any:
        async def read(turn_context: TurnContext) -> Any:
            client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
            if client is None:
                raise MembersUnavailable("no connector client")
            return await client.conversations.get_teams_conversation_paged_members(
                conversation_id, PAGE_SIZE, token
            )

        for attempt in range(LISTING_RETRIES + 1):
            try:
                return await self._proactive.within(reference, read)
            except ErrorResponseException as error:
                wait = retry_after(error)
                if wait is None:
                    if _status(error) in ROSTER_GONE:
                        raise MembersUnavailable(f"connector answered {_status(error)}") from error
                    raise
                if attempt == LISTING_RETRIES:
                    raise
                await asyncio.sleep(min(wait, LONGEST_LISTING_WAIT_SECONDS))
        raise AssertionError("unreachable")


def _status(error: ErrorResponseException) -> int | None:
    status = getattr(getattr(error, "response", None), "status_code", None)
    return status if isinstance(status, int) else None
