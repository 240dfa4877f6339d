"""Answers to a Teams pulse survey as `bench.pulse_burst_teams` sends them: the survey launched
and its questions card opened through the real flow, each person's "Send my answers", and what
the bot replied and showed on the channel card."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp

from bench.harness.measure import Sample
from bench.harness.processes import Server
from bench.harness.teams import MESSAGES_PATH, ActivityBuilder, User, send_all
from bench.pulse.measures import CARD_COUNT, THANKS, UPDATED
from bench.pulse.plan import plan_burst
from bot.views.catalogue import CLOSED_SURVEY, UNKNOWN_SURVEY
from storage.pulse import SurveyTally
from testing.fakes.teams_activities import PEOPLE, TeamsActivities
from testing.fakes.teams_connector import UPDATE, ConnectorCall, FakeConnector
from testing.flows.teams_pulse import answer_value, launch, open_form

# The live count on the channel card (bot.handlers.teams.cards_pulse._answered).
LAUNCHER = PEOPLE[0]


@dataclass(frozen=True)
class Burst:
    waves: tuple[list[bytes], list[bytes]]
    expected: SurveyTally  # each person's last answers
    replaced: int  # submissions that replace an earlier answer: double submits and changes


class Driver:
    """What testing.flows.teams_pulse needs of a running server (a TeamsSide): activities and
    the fake."""

    def __init__(self, server: Server, connector: FakeConnector) -> None:
        self.teams = TeamsActivities(server.url, connector.base_url)
        self.connector = connector


@dataclass(frozen=True)
class Launched:
    survey: str
    card_id: str  # the channel card's message, which the live count updates
    questions: dict[str, list[str]]  # question id -> option ids, as the questions card offers


async def launch_survey(server: Server, connector: FakeConnector) -> Launched:
    """`@bot pulse` in a new thread of the General channel (testing.flows.teams_pulse),
    then "Answer privately" pressed once, for the questions card people answer."""
    driver = Driver(server, connector)
    launched = await launch(driver, person=LAUNCHER)
    form = await open_form(driver, launched.survey_id, LAUNCHER, launched.thread)
    return Launched(launched.survey_id, launched.card_id, form.options())


async def answer_body(
    builder: ActivityBuilder, survey: str, user: User, answers: Mapping[str, str]
) -> bytes:
    """ "Send my answers" in the person's private chat: the Action.Submit's data with the
    choice sets' values merged in, as Teams sends it."""
    return await builder.personal(user, None, answer_value(survey, answers), None)


async def build_burst(
    builder: ActivityBuilder,
    launched: Launched,
    users: Sequence[User],
    duplicates: int,
    changes: int,
    seed: int,
) -> Burst:
    """The Slack bench's plan (`bench.pulse.plan.plan_burst`) as Teams activities."""
    people = {user.user_id: user for user in users}
    plan = plan_burst(launched.questions, list(people), duplicates, changes, seed)
    first = {
        user: await answer_body(builder, launched.survey, people[user], answers)
        for user, answers in plan.waves[0]
    }
    wave2 = [
        await answer_body(builder, launched.survey, people[user], answers)
        for user, answers in plan.waves[1]
    ]
    # In wave 1 a person only ever sends their first answers: a double submit is the same
    # activity again, id included, as a double click's redelivery would be.
    wave1 = [first[user] for user, _ in plan.waves[0]]
    return Burst((wave1, wave2), plan.expected, duplicates + changes)


async def send_wave(
    session: aiohttp.ClientSession, servers: Sequence[Server], bodies: Sequence[bytes], limit: int
) -> tuple[list[Sample], float]:
    """Every body, at most `limit` in flight, round-robin over `servers`."""
    return await send_all(
        session, [server.url + MESSAGES_PATH for server in servers], bodies, limit
    )


def reply_kind(call: ConnectorCall) -> str:
    text = json.dumps(call.body, ensure_ascii=False)
    if THANKS in text:
        return "thanked"
    if UPDATED in text:
        return "updated"
    if CLOSED_SURVEY in text or UNKNOWN_SURVEY in text:
        return "refused"
    return "other"


def card_count(calls: Sequence[ConnectorCall], card_id: str) -> tuple[int | None, int]:
    """The last live count shown on the channel card, and how many updates it got."""
    updates = [c for c in calls if c.operation == UPDATE and c.activity_id == card_id]
    found = CARD_COUNT.findall(json.dumps(updates[-1].body, ensure_ascii=False)) if updates else []
    return (int(found[-1]) if found else None), len(updates)
