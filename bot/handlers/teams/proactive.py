"""Messages the bot starts itself, outside the turn that asked for them: a post or a card update
in a stored conversation (a survey's channel thread), and a message in a person's private chat.

Both go through the adapter's proactive calls, so they use the same connector clients as the
turns (see clients.py) and the same credentials. A failure raises to the caller: the SDK would
otherwise hand an error inside the callback to the adapter's turn-error handler, which logs the
conversation (a private chat's id points at its person) and swallows it, so the runner would
believe a post made that never was.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)

from bot.handlers.teams.translate import tenant_of

T = TypeVar("T")

TEAMS_CHANNEL = "msteams"
# When a 429 names no wait (or one that is not a number of seconds).
DEFAULT_RETRY_AFTER_SECONDS = 1.0

log = logging.getLogger(__name__)


def retry_after(error: ErrorResponseException) -> float | None:
    """The seconds a connector's 429 asks the bot to wait (its Retry-After header), or None
    when `error` is not a 429. The SDK raises a 429 like any other error and never retries."""
    response = getattr(error, "response", None)
    if getattr(response, "status_code", None) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    try:
        seconds = float(headers.get("Retry-After", DEFAULT_RETRY_AFTER_SECONDS))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS  # an HTTP date: Teams sends seconds
    return seconds if seconds >= 0 else DEFAULT_RETRY_AFTER_SECONDS


def thread_reference(activity: Activity) -> dict[str, Any]:
    """Where to post in the conversation `activity` came from (a channel thread, a group chat),
    without the person who wrote it: the reference is stored with a survey, and the survey
    must not name its launcher. Without the activity id, posts start a new message in it."""
    reference = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId", None)
    reference.pop("user", None)
    return dict(reference)


class Proactive:
    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id  # "" in development mode

    async def send(self, reference: Mapping[str, Any], activity: Activity) -> str | None:
        """Post `activity` in the referenced conversation; the new message's id (None when
        Teams did not say)."""

        async def post(turn_context: TurnContext) -> str | None:
            response = await turn_context.send_activity(activity)
            return getattr(response, "id", None) or None

        return await self._continue(reference, post)

    async def update(
        self, reference: Mapping[str, Any], activity_id: str, activity: Activity
    ) -> None:
        """Replace the message `activity_id` of the referenced conversation with `activity`."""

        async def replace(turn_context: TurnContext) -> None:
            activity.id = activity_id
            await turn_context.update_activity(activity)

        await self._continue(reference, replace)

    async def send_private(
        self,
        *,
        service_url: str,
        tenant: str,
        bot: ChannelAccount,
        user_id: str,
        activity: Activity,
    ) -> None:
        """Post `activity` in the one-to-one chat between the bot and `user_id` (a Teams user
        id), which `create_conversation` opens, or finds: Teams keeps one chat per person and
        bot, and answers with its id when it exists.

        Always this way rather than through the person's stored conversation reference when
        there is one: looking that up would put their id into a database query (which SQL
        debug logging prints with its parameters), on the very paths that must not record
        who takes part in a survey. It costs one connector call more."""
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot.id, name=bot.name),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )

        async def post(turn_context: TurnContext) -> None:
            await turn_context.send_activity(activity)

        await self._captured(
            lambda callback: self._adapter.create_conversation(
                self._app_id, callback, parameters, TEAMS_CHANNEL, service_url, None
            ),
            post,
        )

    async def within(
        self, reference: Mapping[str, Any], action: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        """Run `action` in a turn of the referenced conversation (to read its roster, say):
        its result, or its exception raised here."""
        return await self._continue(reference, action)

    async def to_sender(self, turn_context: TurnContext, activity: Activity) -> bool:
        """Post `activity` in the private chat of the person whose message `turn_context` is
        (for what only they may see: a survey's questions, a comparison, an export); False,
        logged by its error name only, when Teams refuses (the app not installed for them, a
        429, ...), for the caller to say so where they are."""
        sender = turn_context.activity
        try:
            await self.send_private(
                service_url=sender.service_url,
                tenant=tenant_of(sender),
                bot=sender.recipient,
                user_id=sender.from_property.id,
                activity=activity,
            )
        except Exception as error:
            log.warning("private chat failed error=%s", type(error).__name__)
            return False
        return True

    async def _continue(
        self, reference: Mapping[str, Any], action: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        conversation = ConversationReference.deserialize(dict(reference))
        return await self._captured(
            lambda callback: self._adapter.continue_conversation(
                conversation, callback, self._app_id
            ),
            action,
        )

    @staticmethod
    async def _captured(
        start: Callable[[Callable[[TurnContext], Awaitable[None]]], Awaitable[Any]],
        action: Callable[[TurnContext], Awaitable[T]],
    ) -> T:
        """Run `action` in the turn `start` opens; its result, or its exception raised here."""
        results: list[T] = []
        failures: list[Exception] = []

        async def callback(turn_context: TurnContext) -> None:
            # The SDK gives the proactive turn a made-up activity id, and replies to it (a
            # reply_to_activity naming a message that does not exist); without it, posts are
            # plain new messages in the conversation (a channel thread's, in a thread).
            turn_context.activity.id = None
            try:
                results.append(await action(turn_context))
            except Exception as error:
                failures.append(error)

        await start(callback)
        if failures:
            raise failures[0]
        if not results:
            raise RuntimeError("the proactive turn did not run")
        return results[0]
