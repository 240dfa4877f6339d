"""One conversation served by two `advisor serve` processes on one PostgreSQL, turn by turn
alternating between them (as a load balancer without sticky sessions would): nothing that
matters lives in a process's memory, so the diagnostic runs to its summary as on one process."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from storage.conversations import ConversationKey
from storage.sql import SqlStorage
from testing.fakes.fixtures import fake_slack_api
from testing.fakes.slack_api import ApiCall, FakeSlackApi
from testing.fakes.slack_requests import dm_message, event_envelope
from testing.fakes.workspace import TEAM_ID, USER_ID
from testing.flows.slack import buttons
from tests.server.conftest import SIGNING_SECRET
from tests.server.processes import Served, SlackClient, serving, terminate

KEY = ConversationKey("slack", TEAM_ID, USER_ID)
DM = "D" + USER_ID.removeprefix("U")  # where the fake opens the user's DM
QUESTIONS = 12
WAIT = 30.0


def dm_posts(api: FakeSlackApi) -> list[ApiCall]:
    return [c for c in api.calls("chat.postMessage") if c.params.get("channel") == DM]


def is_summary(call: ApiCall) -> bool:
    return bool(buttons(call, "share_summary"))


async def next_question_or_summary(api: FakeSlackApi, after: int) -> None:
    """Wait until the bot posts, after the first `after` DM posts, a question or the summary
    (a typed answer's acknowledgement comes first, as its own post)."""
    deadline = time.monotonic() + WAIT
    while not any(buttons(c) or is_summary(c) for c in dm_posts(api)[after:]):
        assert time.monotonic() < deadline, [c.params.get("text") for c in dm_posts(api)]
        await asyncio.sleep(0.05)


async def send_event(served: Served, event: dict[str, Any]) -> int:
    """An Events API callback, signed now, as JSON (the way Slack sends events)."""
    body = json.dumps(event_envelope(event)).encode()
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": str(signature),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(served.events_url, data=body, headers=headers) as reply,
    ):
        return reply.status


@pytest.mark.postgres
async def test_a_conversation_alternating_between_two_processes_reaches_its_summary(
    tmp_path: Any, postgres_url: str
) -> None:
    async with (
        fake_slack_api() as api,
        serving(tmp_path, "a", postgres_url, api) as first,
        serving(tmp_path, "b", postgres_url, api) as second,
        SlackClient(api) as slack,
    ):
        processes = (first, second)
        assert (await slack.command(first, "start")).ok
        await next_question_or_summary(api, after=0)
        for number in range(QUESTIONS):
            served = processes[(number + 1) % 2]  # the second answer goes to the other process
            posted = len(dm_posts(api))
            question = [c for c in dm_posts(api) if buttons(c)][-1]
            if number % 3 == 2:
                # Typed, not pressed: "b" is the second option, whatever the question.
                event = dm_message("b", USER_ID, channel=DM)
                assert await send_event(served, event) == 200
            else:
                button = buttons(question)[number % 2]
                reply = await slack.block_action(
                    served,
                    button["action_id"],
                    button["value"],
                    user=USER_ID,
                    channel=DM,
                    message_ts=str(api.answer_of(question)["ts"]),
                    message_blocks=question.params["blocks"],
                )
                assert reply.ok, reply
            await next_question_or_summary(api, after=posted)
        assert is_summary(dm_posts(api)[-1])
        for served in processes:
            assert await terminate(served) == 0, served.log()

    repository = SqlStorage.from_url(postgres_url)
    try:
        stored = await repository.conversations.load_conversation(KEY)
        assessments = await repository.conversations.list_assessments(KEY)
    finally:
        await repository.close()
    assert stored is not None
    assert stored.state["phase"] == "done"
    assert len(stored.state["answers"]) == QUESTIONS
    assert None not in stored.state["answers"].values()
    assert len(assessments) == 1
    for served in processes:
        assert "Traceback" not in served.log(), served.log()
