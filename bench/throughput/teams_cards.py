"""The work of `bench.teams_throughput`: "start" per user, then a press on the first option of
the question card the bot last sent each of them, and what the fake connector heard meanwhile."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.harness.measure import Sample
from bench.harness.teams import OK_STATUSES, ActivityBuilder, User
from bench.throughput.teams_figures import QuestionCard
from bot.handlers.teams.submit import parse_submit
from testing.fakes.teams_connector import SENDING, ConnectorCall


async def start_bodies(builder: ActivityBuilder, users: Sequence[User]) -> list[bytes]:
    """Each user says "start" in their personal chat."""
    return [await builder.personal(user, "start", None, None) for user in users]


@dataclass
class Answering:
    bodies: list[bytes] = field(default_factory=list)
    expected: int = 0
    unexpected: int = 0
    missing: int = 0


async def answer_bodies(
    builder: ActivityBuilder,
    users: Sequence[User],
    cards: Mapping[str, QuestionCard],
    question_id: str,
) -> Answering:
    """Each user presses the first option of the question card the bot last sent them: an
    Action.Submit activity with the button's data as `value` and the card's message as
    `replyToId`, as Teams sends it."""
    answering = Answering()
    for user in users:
        card = cards.get(user.conversation_id)
        if card is None:
            answering.missing += 1
            continue
        if card.question_id == question_id:
            answering.expected += 1
        else:
            answering.unexpected += 1
        body = await builder.personal(user, None, card.answer, card.message_id)
        answering.bodies.append(body)
    return answering


def submit_actions(node: object) -> Iterator[dict[str, Any]]:
    """Every Action.Submit in an Adaptive Card, in document order."""
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            yield node
        for value in node.values():
            yield from submit_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from submit_actions(item)


def first_answer(activity: Mapping[str, Any]) -> dict[str, Any] | None:
    """The data of the first answer button (bot/handlers/teams/submit.py) of a sent activity."""
    for action in submit_actions(activity.get("attachments") or []):
        data = action.get("data")
        submitted = parse_submit(data)
        if isinstance(data, dict) and submitted is not None and submitted.kind == "answer":
            return data
    return None


def sent_activities(calls: Sequence[ConnectorCall]) -> list[ConnectorCall]:
    """The activities the bot sent to the connector and the connector accepted."""
    return [c for c in calls if c.operation in SENDING and c.body is not None and c.status < 300]


def question_cards(calls: Sequence[ConnectorCall]) -> dict[str, QuestionCard]:
    """Per conversation, the last question card among `calls`."""
    cards: dict[str, QuestionCard] = {}
    for call in sent_activities(calls):
        assert call.body is not None
        data = first_answer(call.body)
        if data is not None:
            message_id = str((call.answer or {}).get("id", ""))
            cards[call.conversation_id] = QuestionCard(str(data["q"]), data, message_id)
    return cards


def count_operations(calls: Sequence[ConnectorCall]) -> dict[str, int]:
    counted = Counter(call.operation for call in calls)
    non_2xx = sum(1 for call in calls if call.status >= 300)
    if non_2xx:
        counted["answered non-2xx by the fake"] = non_2xx
    return dict(sorted(counted.items()))


def body_bytes(calls: Sequence[ConnectorCall]) -> int:
    return sum(
        len(json.dumps(call.body, separators=(",", ":"), ensure_ascii=False).encode())
        for call in sent_activities(calls)
    )


def non_2xx(samples: Sequence[Sample]) -> int:
    return sum(1 for sample in samples if sample.status not in OK_STATUSES)
