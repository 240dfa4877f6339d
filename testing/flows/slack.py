"""Steps of a Slack conversation as a test drives them: find the question the bot posted, press
one of its buttons, wait for what the bot does next."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

from bot.handlers.slack import ids
from testing.fakes.slack_api import ApiCall, FakeSlackApi
from testing.fakes.slack_requests import SlackRequests


class SlackSide(Protocol):
    """A running bot as these steps drive it: the fake Web API it calls, and the client that
    plays Slack's side (a test's running server, or a benchmark's)."""

    @property
    def api(self) -> FakeSlackApi: ...

    @property
    def slack(self) -> SlackRequests: ...


def elements(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        yield from block.get("elements", [])
        accessory = block.get("accessory")
        if accessory:
            yield accessory


def buttons(call: ApiCall, prefix: str = ids.ANSWER_PREFIX) -> list[dict[str, Any]]:
    found = elements(call.params.get("blocks") or [])
    return [e for e in found if str(e.get("action_id", "")).startswith(prefix)]


def posts(server: SlackSide, channel: str | None = None) -> list[ApiCall]:
    calls = server.api.calls("chat.postMessage")
    return [c for c in calls if channel is None or c.params.get("channel") == channel]


def last_question(server: SlackSide) -> ApiCall:
    asking = [c for c in posts(server) if buttons(c)]
    assert asking, "the bot posted no question"
    return asking[-1]


def all_text(call: ApiCall) -> str:
    return json.dumps(call.params, ensure_ascii=False)


async def press(server: SlackSide, question: ApiCall, index: int = 0) -> None:
    """Press the index-th answer button of a posted question and wait for the bot's update."""
    button = buttons(question)[index]
    updates = len(server.api.calls("chat.update"))
    posted = len(posts(server))
    reply = await server.slack.block_action(
        button["action_id"],
        button["value"],
        message_ts=message_ts(server, question),
        message_blocks=question.params["blocks"],
    )
    assert reply.status == 200
    await server.api.wait_for("chat.update", count=updates + 1)
    await server.api.wait_for("chat.postMessage", count=posted + 1)


def message_ts(server: SlackSide, call: ApiCall) -> str:
    """The ts the fake gave a posted message."""
    return str(server.api.answer_of(call)["ts"])


def is_summary(call: ApiCall) -> bool:
    return bool(buttons(call, ids.SHARE_ACTION))
