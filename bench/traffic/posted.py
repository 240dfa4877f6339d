"""What the bot posted people, as the fakes received it: the last question with answer buttons
in each Slack DM, and the last question card in each Teams chat."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.handlers.slack import ids
from bot.handlers.teams.submit import parse_submit
from testing.fakes.slack_api import ApiCall, FakeSlackApi
from testing.fakes.teams_connector import SENDING, ConnectorCall


@dataclass(frozen=True)
class Posted:
    """The last question the bot posted a person, as a fake received it."""

    question_id: str
    press: dict[str, Any]  # Slack: the button element; Teams: the Action.Submit data
    message: str  # Slack: the message ts; Teams: the connector's activity id (replyToId)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""


def answer_buttons(call: ApiCall) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks")
    return [
        element
        for block in (blocks if isinstance(blocks, list) else ())
        for element in block.get("elements", [])
        if str(element.get("action_id", "")).startswith(ids.ANSWER_PREFIX)
    ]


def slack_questions(calls: Sequence[ApiCall], api: FakeSlackApi) -> dict[str, Posted]:
    """Per DM channel, the last message the bot posted there with answer buttons."""
    latest: dict[str, Posted] = {}
    for call in calls:
        buttons = answer_buttons(call)
        if not buttons:
            continue
        parsed = ids.AnswerButton.parse(str(buttons[0].get("value", "")))
        latest[str(call.params.get("channel"))] = Posted(
            question_id=parsed.question_id if parsed else "",
            press=buttons[0],
            message=str(api.answer_of(call).get("ts", "")),
            blocks=call.params["blocks"],
            text=str(call.params.get("text", "")),
        )
    return latest


def _submit_actions(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            yield node
        for value in node.values():
            yield from _submit_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _submit_actions(item)


def teams_questions(calls: Sequence[ConnectorCall]) -> dict[str, Posted]:
    """Per conversation, the last question card the bot sent (its first answer's data)."""
    cards: dict[str, Posted] = {}
    for call in calls:
        if call.operation not in SENDING or call.body is None or call.status >= 300:
            continue
        for action in _submit_actions(call.body.get("attachments") or []):
            data = action.get("data")
            submitted = parse_submit(data)
            if isinstance(data, dict) and submitted is not None and submitted.kind == "answer":
                message = str((call.answer or {}).get("id", ""))
                cards[call.conversation_id] = Posted(submitted.question_id, data, message)
                break
    return cards
