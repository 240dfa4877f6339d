"""The work of `bench.slack_acks`: `/ai-owner start` per user, then presses on the question
the bot last posted each of them, signed and sent with a bounded number in flight; and waiting
until the advisor's work behind its acknowledgements has drained."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.harness.measure import Latency, Sample, cpu_seconds, statuses
from bench.harness.processes import Server
from bench.harness.slack import BOT_TOKEN, EVENTS_PATH, Signer, dm_channel, form_body
from bench.throughput.slack_figures import Config, RoundResult, TargetResult
from bot.handlers.slack import ids
from testing.fakes.slack_api import ApiCall, FakeSlackApi
from testing.fakes.slack_requests import block_actions_payload, slash_command_payload

QUIET_SECONDS = 1.0  # the advisor's background work has drained when the fake hears nothing
DRAIN_TIMEOUT_SECONDS = 120.0


async def send(session: aiohttp.ClientSession, url: str, body: bytes, signer: Signer) -> Sample:
    headers = signer.headers(body)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            return Sample(response.status, time.perf_counter() - started)
    except (aiohttp.ClientError, TimeoutError) as error:
        return Sample(0, time.perf_counter() - started, f"{type(error).__name__}: {error}")


async def send_all(
    session: aiohttp.ClientSession,
    url: str,
    bodies: Sequence[bytes],
    signer: Signer,
    in_flight: int,
) -> tuple[list[Sample], float]:
    """Send every body with at most `in_flight` outstanding; the samples and the wall time."""
    gate = asyncio.Semaphore(in_flight)

    async def one(body: bytes) -> Sample:
        async with gate:
            return await send(session, url, body, signer)

    started = time.perf_counter()
    samples = await asyncio.gather(*(one(body) for body in bodies))
    return list(samples), time.perf_counter() - started


async def timed_round(
    session: aiohttp.ClientSession,
    server: Server,
    bodies: Sequence[bytes],
    signer: Signer,
    config: Config,
    number: int,
) -> tuple[RoundResult, list[Sample]]:
    pid = server.process.pid
    server_before, bench_before = cpu_seconds(pid), time.process_time()
    samples, wall = await send_all(
        session, server.url + EVENTS_PATH, bodies, signer, config.in_flight
    )
    server_cpu = (cpu_seconds(pid) - server_before) / wall
    bench_cpu = (time.process_time() - bench_before) / wall
    result = RoundResult(
        target=server.name,
        number=number,
        requests=len(samples),
        wall_seconds=wall,
        rps=len(samples) / wall,
        latency=Latency.of(samples),
        statuses=statuses(samples),
        server_cpu=server_cpu,
        bench_cpu=bench_cpu,
    )
    return result, samples


def target_result(
    name: str, rounds: Sequence[RoundResult], samples: Sequence[Sample]
) -> TargetResult:
    wall = sum(r.wall_seconds for r in rounds)
    errors = sorted({s.error for s in samples if s.error})
    return TargetResult(
        name=name,
        requests=len(samples),
        wall_seconds=wall,
        rps=len(samples) / wall,
        latency=Latency.of(samples),
        non_200=sum(1 for s in samples if s.status != 200),
        statuses=statuses(samples),
        errors=errors,
    )


def start_command_bodies(api: FakeSlackApi, users: Sequence[str]) -> list[bytes]:
    """`/ai-owner start` for each user, as Slack posts it."""
    return [
        form_body(slash_command_payload("start", user_id=user, response_url=api.response_url(user)))
        for user in users
    ]


def answer_buttons(call: ApiCall) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in call.params.get("blocks") or []:
        found += [
            element
            for element in block.get("elements", [])
            if str(element.get("action_id", "")).startswith(ids.ANSWER_PREFIX)
        ]
    return found


def latest_questions(api: FakeSlackApi) -> dict[str, ApiCall]:
    """Per DM channel, the last message the bot posted there with answer buttons."""
    latest: dict[str, ApiCall] = {}
    for call in api.calls("chat.postMessage"):
        if answer_buttons(call):
            latest[str(call.params.get("channel"))] = call
    return latest


@dataclass
class RoundPresses:
    bodies: list[bytes]
    unexpected: int  # presses on a question other than the round's (the flow went off course)
    missing: int  # users the bot had posted no question to


def press_bodies(
    api: FakeSlackApi, users: Sequence[str], question_id: str, number: int
) -> RoundPresses:
    """One press per user on an answer button of the question the bot last posted them: the
    posted message's blocks and its own ts (distinct per message, so no press is a duplicate)."""
    questions = latest_questions(api)
    presses = RoundPresses([], 0, 0)
    for index, user in enumerate(users):
        call = questions.get(dm_channel(user))
        if call is None:
            presses.missing += 1
            continue
        buttons = answer_buttons(call)
        button = buttons[(index + number) % len(buttons)]
        parsed = ids.AnswerButton.parse(str(button.get("value", "")))
        if parsed is None or parsed.question_id != question_id:
            presses.unexpected += 1
        payload = block_actions_payload(
            str(button["action_id"]),
            str(button["value"]),
            user_id=user,
            channel_id=dm_channel(user),
            message_ts=str(api.answer_of(call)["ts"]),
            message_blocks=call.params["blocks"],
            message_text=str(call.params.get("text", "")),
            response_url=api.response_url(f"{user}-{number}"),
        )
        presses.bodies.append(form_body({"payload": json.dumps(payload)}))
    return presses


async def drain(
    api: FakeSlackApi, since: float, method: str = "", expected: int = 0
) -> float | None:
    """Wait until the fake Web API has received `expected` calls of `method` in all (when
    given: the server acknowledges before it works, so a quiet spell alone can come before the
    work has even started) and then heard nothing for QUIET_SECONDS; the seconds from `since`
    (a time.monotonic()) to the last call it received after it, 0 when none, None when that
    did not happen within DRAIN_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while method and len(api.calls(method)) < expected:
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.05)
    seen, changed = len(api.calls()), time.monotonic()
    while time.monotonic() - changed < QUIET_SECONDS:
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.05)
        count = len(api.calls())
        if count != seen:
            seen, changed = count, time.monotonic()
    calls = api.calls()
    return max(0.0, calls[-1].at - since) if calls else 0.0


def count_calls(calls: Sequence[ApiCall], token: str = BOT_TOKEN) -> dict[str, int]:
    """Calls per Web API method made with `token` (the advisor's by default)."""
    methods = Counter(call.method for call in calls if call.token == token)
    return dict(sorted(methods.items()))
