"""Private reminders on Slack (`bot.pulse.reminders.MemberDirectory`): the channel's members
from conversations.members, and one reminder each in the app's direct messages with them.

conversations.members needs channels:read (public channels) or groups:read (private ones);
without them Slack answers `missing_scope`, which ends the listing (`MembersUnavailable`) and
the runner reminds in the channel instead. The client retries a 429 itself (its
`AsyncRateLimitErrorRetryHandler`, with Retry-After); one that still comes through becomes
`RetryLater` for the sender, which waits and retries a bounded number of times.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers.slack.pulse_publisher import ClientFor, NoInstallation, card_location
from bot.handlers.slack.render import draw
from bot.pulse.reminders import MembersUnavailable, Unreachable
from bot.pulse.retry import RetryLater
from bot.pulse.shown import survey_view
from bot.views import pulse as views
from storage.pulse import SurveyRecord

# Members per conversations.members page: Slack serves at most 1000 and recommends no more
# than 200; fewer pages mean fewer tier-4 calls (100 a minute) for a big channel.
PAGE_SIZE = 1000
# A listing rate limited beyond the client's own retries waits this long at most, this often.
LONGEST_LISTING_WAIT_SECONDS = 60.0
LISTING_RETRIES = 3
DEFAULT_RETRY_AFTER_SECONDS = 1.0
# Errors that say a person can never get a DM from the app: skip them.
UNREACHABLE = frozenset(
    {
        "cannot_dm_bot",
        "user_not_found",
        "user_disabled",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "messages_tab_disabled",
        "restricted_action",
    }
)


class SlackMemberDirectory:
    def __init__(self, client_for: ClientFor) -> None:
        self._client_for = client_for
        # The bot's own user id per bot token (auth.test), not to remind itself.
        self._bot_users: dict[str, str] = {}

    async def members(self, survey: SurveyRecord) -> list[str]:
        try:
            client = await self._client_for(survey)
        except NoInstallation as error:
            raise MembersUnavailable("no installation") from error
        bot_user = await self._bot_user(client)
        where = card_location(survey)
        channel = where[0] if where is not None else survey.channel
        users: list[str] = []
        seen: set[str] = set()
        cursor = ""
        while True:
            page = await self._page(client, channel, cursor)
            for user in page.get("members") or []:
                if isinstance(user, str) and user != bot_user and user not in seen:
                    seen.add(user)
                    users.append(user)
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return users

    async def remind(self, survey: SurveyRecord, user: str) -> None:
        client = await self._client_for(survey)
        shown = draw(views.private_reminder(survey_view(survey)))
        try:
            # A user id as the channel posts in the app's direct messages with them.
            await client.chat_postMessage(channel=user, text=shown.text, blocks=shown.blocks)
        except SlackApiError as error:
            wait = _retry_after(error)
            if wait is not None:
                raise RetryLater(wait) from error
            if error.response.get("error") in UNREACHABLE:
                raise Unreachable(str(error.response.get("error"))) from error
            raise

    async def _page(self, client: AsyncWebClient, channel: str, cursor: str) -> dict[str, Any]:
        for attempt in range(LISTING_RETRIES + 1):
            try:
                response = await client.conversations_members(
                    channel=channel, limit=PAGE_SIZE, cursor=cursor or None
                )
                return dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as error:
                wait = _retry_after(error)
                if wait is None:
                    # missing_scope, channel_not_found, not_in_channel...: no retry helps.
                    raise MembersUnavailable(str(error.response.get("error"))) from error
                if attempt == LISTING_RETRIES:
                    raise
                await asyncio.sleep(min(wait, LONGEST_LISTING_WAIT_SECONDS))
        raise AssertionError("unreachable")

    async def _bot_user(self, client: AsyncWebClient) -> str:
        token = client.token or ""
        if token not in self._bot_users:
            answer = await client.auth_test()
            self._bot_users[token] = str(answer.get("user_id") or "")
        return self._bot_users[token]


def _retry_after(error: SlackApiError) -> float | None:
    """Seconds a 429 asks to wait, or None when `error` is not a 429."""
    if getattr(error.response, "status_code", None) != 429:
        return None
    headers = getattr(error.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else DEFAULT_RETRY_AFTER_SECONDS
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
