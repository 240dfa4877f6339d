"""Answers to a Slack pulse survey as `bench.pulse_burst` sends them: the survey launched and
its answer modal opened through the real flow, each person's view submission, what the view
the advisor answered with said, and the live count on the survey's card."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.harness.processes import Server
from bench.harness.slack import EVENTS_PATH, Signer, form_body
from bench.pulse.measures import CARD_COUNT, CARD_TIMEOUT_SECONDS, THANKS, UPDATED
from bench.pulse.plan import plan_burst
from bench.pulse.slack_figures import Submission
from bot.handlers.slack import ids
from bot.views.catalogue import ANSWERS_NOT_SAVED, CLOSED_SURVEY, UNKNOWN_SURVEY
from storage.pulse import SurveyTally
from testing.fakes.slack_api import ApiCall, FakeSlackApi
from testing.fakes.slack_requests import SlackRequests, view_submission_payload
from testing.flows.slack_pulse import (
    answer_values,
    launch,
    open_answer_modal,
    radio_inputs,
    survey_id,
)


@dataclass(frozen=True)
class Form:
    """The answer modal as the bot opened it: its blocks, and each question's options."""

    blocks: list[dict[str, Any]]
    questions: dict[str, list[str]]  # question id -> option ids, in the modal's order


def form_of(view: Mapping[str, Any]) -> Form:
    questions = {
        str(block["block_id"]).removeprefix(ids.PULSE_QUESTION_PREFIX): [
            str(option["value"]) for option in block["element"]["options"]
        ]
        for block in radio_inputs(dict(view))
    }
    return Form(list(view["blocks"]), questions)


@dataclass(frozen=True)
class Burst:
    """The submissions of one burst as bytes, and what the plan expects."""

    waves: tuple[list[bytes], list[bytes]]
    expected: SurveyTally
    duplicates: int
    changes: int


def submission_body(survey: str, user: str, form: Form, answers: Mapping[str, str]) -> bytes:
    chosen = {ids.pulse_question_block(q): option for q, option in answers.items()}
    payload = view_submission_payload(
        ids.PULSE_ANSWER_VIEW,
        answer_values(chosen),
        user_id=user,
        private_metadata=survey,
        blocks=form.blocks,
    )
    return form_body({"payload": json.dumps(payload)})


def build_burst(
    survey: str, form: Form, users: Sequence[str], duplicates: int, changes: int, seed: int
) -> Burst:
    plan = plan_burst(form.questions, users, duplicates, changes, seed)
    first = {user: submission_body(survey, user, form, answers) for user, answers in plan.waves[0]}
    wave2 = [submission_body(survey, user, form, answers) for user, answers in plan.waves[1]]
    # In wave 1 a person only ever sends their first answers, so a double submit is the same
    # bytes again.
    return Burst(
        ([first[user] for user, _ in plan.waves[0]], wave2), plan.expected, duplicates, changes
    )


def outcome_of(status: int, text: str) -> str:
    """What the answer told the person: recorded, replaced, or what went wrong."""
    if status != 200:
        return f"http {status}"
    try:
        body = json.loads(text)
    except ValueError:
        return "not JSON"
    action = body.get("response_action") if isinstance(body, dict) else None
    if action == "errors":
        return "field errors"
    if action != "update":
        return "no update"
    shown = json.dumps(body.get("view"), ensure_ascii=False)
    for marker, outcome in (
        (THANKS, "recorded"),
        (UPDATED, "replaced"),
        (ANSWERS_NOT_SAVED[:40], "not saved"),
        (CLOSED_SURVEY[:30], "closed"),
        (UNKNOWN_SURVEY[:30], "unknown survey"),
    ):
        if marker in shown:
            return outcome
    return "other view"


async def submit(
    session: aiohttp.ClientSession, url: str, body: bytes, signer: Signer
) -> tuple[Submission, str]:
    headers = signer.headers(body)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            seconds = time.perf_counter() - started
            return Submission(response.status, seconds), text
    except (aiohttp.ClientError, TimeoutError) as error:
        failed = Submission(0, time.perf_counter() - started, f"{type(error).__name__}: {error}")
        return failed, ""


async def send_wave(
    session: aiohttp.ClientSession,
    targets: Sequence[Server],
    bodies: Sequence[bytes],
    signer: Signer,
    in_flight: int,
) -> tuple[list[Submission], float]:
    """Every body, round-robin over `targets`, at most `in_flight` outstanding in all."""
    gate = asyncio.Semaphore(in_flight)
    urls = [target.url + EVENTS_PATH for target in targets]

    async def one(index: int, body: bytes) -> tuple[Submission, str]:
        async with gate:
            return await submit(session, urls[index % len(urls)], body, signer)

    started = time.perf_counter()
    answered = await asyncio.gather(*(one(i, body) for i, body in enumerate(bodies)))
    wall = time.perf_counter() - started
    samples = [
        Submission(s.status, s.seconds, s.error, outcome_of(s.status, text) if s.status else "")
        for s, text in answered
    ]
    return samples, wall


@dataclass
class Launched:
    survey: str
    card: ApiCall
    form: Form


class Driver:
    """What testing.flows.slack_pulse needs of a running server (a SlackSide): the fake and a
    client."""

    def __init__(self, api: FakeSlackApi, signing_secret: str, server: Server) -> None:
        self.api = api
        self.slack = SlackRequests(signing_secret, server.url, api=api)


async def launch_survey(api: FakeSlackApi, signing_secret: str, server: Server) -> Launched:
    """Through the real Slack flow: `/ai-owner pulse`, the launch modal submitted, the card
    posted; then the card's Answer pressed once, for the answer modal the bot opens. With the
    reminder on, as most launches are: each answer then also marks its person as responded
    (`storage.reminders`), the write private reminders cost."""
    driver = Driver(api, signing_secret, server)
    card = await launch(driver, remind=True)
    view = await open_answer_modal(driver, card, "U0LAUNCH")
    return Launched(survey_id(card), card, form_of(view))


def card_updates(api: FakeSlackApi, card: ApiCall) -> list[ApiCall]:
    ts = api.answer_of(card).get("ts")
    channel = card.params.get("channel")
    return [
        call
        for call in api.calls("chat.update")
        if call.params.get("ts") == ts and call.params.get("channel") == channel
    ]


def card_count(call: ApiCall) -> int | None:
    """The live count a card update shows ("1234 people have answered", "1 person has")."""
    found = CARD_COUNT.findall(json.dumps(call.params, ensure_ascii=False))
    return int(found[-1]) if found else None


async def wait_for_card(
    api: FakeSlackApi, card: ApiCall, count: int, since: float, ended: float
) -> tuple[int | None, float | None, int]:
    """Wait for the card to show `count` (the debounced refresh comes a window after the last
    answer that changed the count); (the last count it showed, seconds from `ended` to that
    update, negative when it came before, and the card's updates since `since`)."""
    deadline = time.monotonic() + CARD_TIMEOUT_SECONDS
    while True:
        updates = [call for call in card_updates(api, card) if call.at >= since]
        shown = card_count(updates[-1]) if updates else None
        if shown == count:
            return shown, updates[-1].at - ended, len(updates)
        if time.monotonic() > deadline:
            return shown, None, len(updates)
        await asyncio.sleep(0.05)
