"""What the Web API says of a person: whether they administer the workspace, and their
direct-message channel with the bot. Shared by the diagnostic, survey, admin and forget
listeners."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def workspace_admin(client: AsyncWebClient, user: str) -> bool:
    """Whether Slack says this person administers or owns the workspace (`users:read`)."""
    try:
        response = await client.users_info(user=user)
    except SlackApiError as error:
        log.warning("slack admin check failed error=%s", error.response.get("error"))
        return False
    person = response.get("user") or {}
    return any(bool(person.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner"))


async def open_dm(client: AsyncWebClient, user: str) -> str:
    """The id of the bot's direct-message channel with `user` (opened if need be)."""
    opened = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])
