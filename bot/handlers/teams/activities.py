"""Reading who and where an activity is from, and turning our messages into activities: what
the diagnostic's handler and the pulse survey's both need."""

from __future__ import annotations

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, TextFormatTypes

from bot.handlers.teams.card_body import FinishedCard
from bot.handlers.teams.cards import TeamsMessage
from storage.conversations import ConversationKey

PLATFORM = "teams"
PERSONAL = "personal"
# A channel conversation is a thread: the channel id and ";messageid=" the thread's first post.
THREAD_SUFFIX = ";messageid="


def conversation_key(activity: Activity) -> ConversationKey:
    """(teams, tenant, user): the AAD object id when Teams sends it, else the channel id."""
    return ConversationKey(PLATFORM, tenant_of(activity), user_of(activity))


def tenant_of(activity: Activity) -> str:
    # Teams sends the tenant as conversation.tenantId, which botbuilder 4.17 does not map
    # (it expects tenantID); channelData.tenant.id is the reliable place.
    tenant = _tenant_from_channel_data(activity) or getattr(
        activity.conversation, "tenant_id", None
    )
    return str(tenant or "unknown")


def user_of(activity: Activity) -> str:
    person = activity.from_property
    user = getattr(person, "aad_object_id", None) or (person.id if person else None)
    return str(user or "unknown")


def user_ids(activity: Activity) -> tuple[str, ...]:
    """Every id the sender goes by (AAD object id, Teams user id): ADMIN_USERS may hold either."""
    person = activity.from_property
    ids = (getattr(person, "aad_object_id", None), getattr(person, "id", None))
    return tuple(str(value) for value in ids if value)


def _tenant_from_channel_data(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") or {}
    return tenant.get("id") if isinstance(tenant, dict) else None


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return str(getattr(conversation, "conversation_type", None) or PERSONAL)


def base_conversation(activity: Activity) -> str:
    """The channel (any of its threads) or the group chat the activity is in."""
    conversation = activity.conversation.id if activity.conversation else ""
    return str(conversation or "").split(THREAD_SUFFIX, 1)[0]


def to_activity(message: TeamsMessage) -> Activity:
    if message.card is None:
        return MessageFactory.text(message.text)
    activity = MessageFactory.attachment(CardFactory.adaptive_card(FinishedCard(message.card)))
    activity.summary = message.text  # the notification text
    return activity


def markdown_activity(text: str) -> Activity:
    """A message of markdown `text`."""
    activity = MessageFactory.text(text)
    activity.text_format = TextFormatTypes.markdown
    return activity


def fenced_markdown(title: str, body: str) -> Activity:
    """`body` verbatim in a markdown code block below `title`."""
    return markdown_activity(f"{title}\n\n{code_block(body)}")


def code_block(text: str) -> str:
    """`text` in a fenced markdown code block; the fence is longer than any backtick run in
    the text (knowledge labels and errors may hold some), so nothing can close it early."""
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}\n{text}\n{fence}"


def _longest_backticks(text: str) -> int:
    longest = run = 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return longest
