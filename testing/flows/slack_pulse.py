"""Steps of a Slack pulse survey as a test drives them: launch it through the modal, open the
answer modal, submit answers, press the card's buttons, and find what the bot posted."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any, Protocol

from bot.app import App
from bot.handlers.slack import ids
from storage.pulse import SurveyRecord
from testing.fakes.slack_api import ApiCall
from testing.fakes.slack_requests import EndpointResponse
from testing.fakes.workspace import GENERAL_CHANNEL, USER_ID
from testing.flows.slack import SlackSide, buttons, message_ts, posts

LAUNCHER = USER_ID
Values = dict[str, dict[str, Any]]


class SlackServer(SlackSide, Protocol):
    """A running bot whose application is in this process, to read what it stored."""

    @property
    def app(self) -> App: ...


def launch_values(
    deadline: float | None = None,
    threshold: str | None = "5",
    remind: bool = False,
    repeat: str | None = None,
) -> Values:
    """The launch modal's state as Slack submits it (deadline default: in three days; `repeat`
    a cadence for a recurring pulse, as the Repeat menu's value)."""
    stamp = int(deadline if deadline is not None else time.time() + 3 * 86_400)
    values: Values = {
        ids.PULSE_DEADLINE_BLOCK: {
            ids.PULSE_DEADLINE_ACTION: {"type": "datetimepicker", "selected_date_time": stamp}
        },
        ids.PULSE_THRESHOLD_BLOCK: {
            ids.PULSE_THRESHOLD_ACTION: {"type": "number_input", "value": threshold}
        },
        ids.PULSE_REMIND_BLOCK: {
            ids.PULSE_REMIND_ACTION: {
                "type": "checkboxes",
                "selected_options": (
                    [{"text": {"type": "plain_text", "text": "x"}, "value": ids.PULSE_REMIND_VALUE}]
                    if remind
                    else []
                ),
            }
        },
    }
    if repeat is not None:
        values[ids.PULSE_REPEAT_BLOCK] = {
            ids.PULSE_REPEAT_ACTION: {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": repeat},
                    "value": repeat,
                },
            }
        }
    return values


async def open_launch_modal(
    server: SlackSide, channel: str = GENERAL_CHANNEL, user: str = LAUNCHER
) -> dict[str, Any]:
    before = len(server.api.calls("views.open"))
    reply = await server.slack.slash_command("pulse", channel_id=channel, user_id=user)
    assert reply.status == 200
    opened = await server.api.wait_for("views.open", count=before + 1)
    view: dict[str, Any] = opened[-1].params["view"]
    return view


async def submit_launch(
    server: SlackSide, view: dict[str, Any], values: Values, user: str = LAUNCHER
) -> EndpointResponse:
    return await server.slack.view_submission(
        ids.PULSE_LAUNCH_VIEW,
        values,
        user_id=user,
        private_metadata=view["private_metadata"],
        blocks=view["blocks"],
    )


def is_card(call: ApiCall) -> bool:
    return bool(buttons(call, ids.PULSE_CLOSE_ACTION)) and not call.params.get("thread_ts")


async def launch(
    server: SlackSide,
    *,
    channel: str = GENERAL_CHANNEL,
    user: str = LAUNCHER,
    **options: Any,
) -> ApiCall:
    """Launch a survey through the modal; the card the bot posted."""
    cards = len([c for c in posts(server, channel) if is_card(c)])
    view = await open_launch_modal(server, channel, user)
    reply = await submit_launch(server, view, launch_values(**options), user)
    assert reply.status == 200
    assert reply.body == ""  # the modal closes
    found = await server.api.wait_for("chat.postMessage", count=cards + 1, where=is_card)
    return found[-1]


def survey_id(call: ApiCall) -> str:
    """The survey a card, reminder or results message is about (its buttons' value)."""
    for prefix in (ids.PULSE_ANSWER_ACTION, ids.PULSE_EXPORT_ACTION):
        found = buttons(call, prefix)
        if found:
            return str(found[0]["value"])
    raise AssertionError(f"no survey button in {call}")


async def press_button(
    server: SlackSide, message: ApiCall, action_id: str, user: str, **extra: Any
) -> EndpointResponse:
    [button] = buttons(message, action_id)
    reply = await server.slack.block_action(
        action_id,
        button["value"],
        user_id=user,
        channel_id=str(message.params["channel"]),
        message_ts=message_ts(server, message),
        message_blocks=message.params["blocks"],
        **extra,
    )
    assert reply.status == 200
    return reply


async def open_answer_modal(server: SlackSide, card: ApiCall, user: str) -> dict[str, Any]:
    before = len(server.api.calls("views.open"))
    await press_button(server, card, ids.PULSE_ANSWER_ACTION, user)
    opened = await server.api.wait_for("views.open", count=before + 1)
    view: dict[str, Any] = opened[-1].params["view"]
    return view


def radio_inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        block
        for block in view["blocks"]
        if str(block.get("block_id", "")).startswith(ids.PULSE_QUESTION_PREFIX)
    ]


def choices(view: dict[str, Any], pick: int | list[int] = 0) -> dict[str, str]:
    """{block id: option value}: option `pick` of every question (or pick[n] of question n)."""
    inputs = radio_inputs(view)
    picks = pick if isinstance(pick, list) else [pick] * len(inputs)
    return {
        block["block_id"]: block["element"]["options"][n]["value"]
        for block, n in zip(inputs, picks, strict=True)
    }


def answer_values(chosen: dict[str, str]) -> Values:
    return {
        block: {
            ids.PULSE_CHOICE_ACTION: {
                "type": "radio_buttons",
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
            }
        }
        for block, value in chosen.items()
    }


async def submit_answers(
    server: SlackSide, survey: str, user: str, chosen: dict[str, str]
) -> EndpointResponse:
    reply = await server.slack.view_submission(
        ids.PULSE_ANSWER_VIEW, answer_values(chosen), user_id=user, private_metadata=survey
    )
    assert reply.status == 200
    return reply


async def answer(server: SlackSide, card: ApiCall, user: str, pick: int | list[int] = 0) -> str:
    """Open the answer modal as `user`, answer, and return the text of the view shown after."""
    view = await open_answer_modal(server, card, user)
    reply = await submit_answers(server, survey_id(card), user, choices(view, pick))
    body = reply.json()
    assert body["response_action"] == "update", body
    return text_of(body["view"])


def text_of(node: object) -> str:
    """Everything in a view or payload as one string, to search."""
    return json.dumps(node, ensure_ascii=False)


def results_posts(server: SlackSide, channel: str = GENERAL_CHANNEL) -> list[ApiCall]:
    return [c for c in posts(server, channel) if "Team pulse results" in c.params.get("text", "")]


async def wait_for_results(
    server: SlackSide, count: int = 1, within: float = 5.0, channel: str = GENERAL_CHANNEL
) -> ApiCall:
    found = await server.api.wait_for(
        "chat.postMessage",
        count=count,
        timeout=within,
        where=lambda c: (
            c.params.get("channel") == channel and "Team pulse results" in c.params.get("text", "")
        ),
    )
    return found[-1]


async def stored_survey(
    server: SlackServer, survey: str, until: Callable[[SurveyRecord], bool], within: float = 5.0
) -> SurveyRecord:
    """The survey once `until` holds for it: the bot writes after the Web API call a test
    waits for (the card's place once it is posted, the results' time once they are out)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        record = await server.app.pulse.survey(survey)
        if record is not None and until(record):
            return record
        assert loop.time() < deadline, f"survey never reached the state wanted: {record}"
        await asyncio.sleep(0.02)
