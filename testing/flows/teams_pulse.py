"""Team pulse surveys in Teams end to end: the real server with short runner timings, a fake
connector, and the steps of a survey as people take them (launch, press a card's button, answer
in the private chat the bot opened)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.app import App, build_app
from bot.config import Settings, teams_config
from bot.handlers.teams.submit import PULSE_INPUT_PREFIX, SUBMIT_KEY, SURVEY_KEY
from bot.server import build_web_app
from storage.pulse import SurveyRecord
from testing.fakes.fixtures import bot_server
from testing.fakes.teams_activities import PEOPLE, TEAM_ID, Person, TeamsActivities
from testing.fakes.teams_connector import CREATE, SEND, FakeConnector
from testing.flows.teams import actions, card_of

TICK_SECONDS = 0.1
COUNT_SECONDS = 0.4
ADA, GRACE, KATHERINE, ALAN, BARBARA, EDSGER = PEOPLE


class TeamsSide(Protocol):
    """A running bot as these steps drive it: the client that plays Teams' side, and the fake
    connector its replies go to (a test's PulseServer, or a benchmark's own)."""

    @property
    def teams(self) -> TeamsActivities: ...

    @property
    def connector(self) -> FakeConnector: ...


@dataclass
class PulseServer:
    teams: TeamsActivities
    connector: FakeConnector
    app: App
    database: Path


@asynccontextmanager
async def pulse_server(tmp_path: Path, **overrides: Any) -> AsyncIterator[PulseServer]:
    database = tmp_path / "advisor.db"
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{database}",
        "pulse_tick_seconds": TICK_SECONDS,
        "pulse_count_seconds": COUNT_SECONDS,
        **overrides,
    }
    settings = Settings(**values)
    async with FakeConnector() as connector:
        app = await build_app(settings)
        web_app = build_web_app(app, None, teams_config(settings, dev=True))
        async with bot_server(web_app) as base:
            yield PulseServer(TeamsActivities(base, connector.base_url), connector, app, database)


# --- reading what the bot sent -------------------------------------------------------------------


def pulse_buttons(activity: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    card = card_of(activity)
    found = actions(card) if card else iter(())
    return [a["data"] for a in found if (a.get("data") or {}).get(SUBMIT_KEY) == kind]


def survey_id_of(activity: dict[str, Any]) -> str:
    [data] = pulse_buttons(activity, "pulse_answer")
    return str(data[SURVEY_KEY])


def choice_sets(activity: dict[str, Any]) -> list[dict[str, Any]]:
    card = card_of(activity) or {}
    return [block for block in card.get("body", []) if block.get("type") == "Input.ChoiceSet"]


def is_form(activity: dict[str, Any]) -> bool:
    return bool(pulse_buttons(activity, "pulse_send"))


# --- people's steps ------------------------------------------------------------------------------


@dataclass
class Launched:
    thread: str
    card: dict[str, Any]
    card_id: str
    survey_id: str


async def launch(server: TeamsSide, text: str = "pulse", person: Person = ADA) -> Launched:
    """`@bot <text>` starting a new thread of the General channel; the survey card it posted."""
    before = len(server.connector.sent())
    delivery = await server.teams.channel_mention(text, user_id=person.id, user_name=person.name)
    assert delivery.status in (200, 201)
    thread = server.teams.last["conversation"]["id"]
    await server.connector.wait_for_sent(before + 1)
    [call] = [
        c for c in server.connector.calls() if c.conversation_id == thread and c.body is not None
    ][-1:]
    card = call.body
    assert card is not None  # only calls with a body were kept
    return Launched(thread, card, str(call.answer["id"]), survey_id_of(card))


async def mention(
    server: TeamsSide, text: str, person: Person = ADA, message_id: str | None = None
) -> list[dict[str, Any]]:
    """`@bot <text>` (in a thread of the General channel when `message_id` names one); what the
    bot sent in answer, anywhere."""
    before = len(server.connector.sent())
    delivery = await server.teams.channel_mention(
        text, user_id=person.id, user_name=person.name, message_id=message_id
    )
    assert delivery.status in (200, 201)
    return server.connector.sent()[before:]


async def press(
    server: TeamsSide, data: Mapping[str, Any], person: Person, thread: str
) -> list[dict[str, Any]]:
    """`person` presses a channel card's button; what the bot sent in answer, anywhere."""
    before = len(server.connector.sent())
    delivery = await server.teams.channel_submit(
        data, thread_id=thread, user_id=person.id, user_name=person.name
    )
    assert delivery.status in (200, 201)
    return server.connector.sent()[before:]


def data(kind: str, survey_id: str) -> dict[str, str]:
    return {SUBMIT_KEY: kind, SURVEY_KEY: survey_id}


async def open_form(server: TeamsSide, survey_id: str, person: Person, thread: str) -> Form:
    """ "Answer privately": what the bot sent to the person's private chat (the questions card,
    or why there is none), and the calls that took."""
    before = len(server.connector.calls())
    await press(server, data("pulse_answer", survey_id), person, thread)
    calls = server.connector.calls()[before:]
    private = [c for c in calls if c.operation == SEND and c.conversation_id != thread]
    assert len(private) == 1, [str(call) for call in calls]
    assert private[0].body is not None
    return Form(private[0].conversation_id, private[0].body, calls)


@dataclass
class Form:
    conversation: str
    card: dict[str, Any]
    calls: list[Any]

    @property
    def created(self) -> bool:
        """The private chat was opened with create_conversation (the person never wrote)."""
        return any(call.operation == CREATE for call in self.calls)

    def options(self) -> dict[str, list[str]]:
        """Question id -> option ids, as the form offers them."""
        return {
            block["id"].removeprefix(PULSE_INPUT_PREFIX): [c["value"] for c in block["choices"]]
            for block in choice_sets(self.card)
        }

    def prefilled(self) -> dict[str, str]:
        return {
            block["id"].removeprefix(PULSE_INPUT_PREFIX): block["value"]
            for block in choice_sets(self.card)
            if "value" in block
        }


def answer_value(survey_id: str, answers: Mapping[str, str]) -> dict[str, str]:
    """What "Send my answers" sends as `value`: the button's data with the choice sets'
    values merged in, as Teams merges a card's inputs into an Action.Submit."""
    value = data("pulse_send", survey_id)
    value.update({PULSE_INPUT_PREFIX + q: o for q, o in answers.items()})
    return value


async def send_answers(
    server: TeamsSide,
    survey_id: str,
    person: Person,
    conversation: str,
    answers: Mapping[str, str],
) -> dict[str, Any]:
    """ "Send my answers" in the private chat; the bot's reply there."""
    before = len(server.connector.sent(conversation))
    delivery = await server.teams.personal_message(
        None,
        value=answer_value(survey_id, answers),
        user_id=person.id,
        user_name=person.name,
        conversation_id=conversation,
    )
    assert delivery.status in (200, 201)
    replies = server.connector.sent(conversation)[before:]
    assert len(replies) == 1, replies
    return replies[0]


async def answer(
    server: TeamsSide, launched: Launched, person: Person, pick: int | Mapping[str, int] = 0
) -> dict[str, Any]:
    """`person` answers the survey: option `pick` of every question (or per question id)."""
    form = await open_form(server, launched.survey_id, person, launched.thread)
    chosen = {
        question: options[pick if isinstance(pick, int) else pick.get(question, 0)]
        for question, options in form.options().items()
    }
    return await send_answers(server, launched.survey_id, person, form.conversation, chosen)


def in_thread(server: TeamsSide, thread: str) -> list[dict[str, Any]]:
    return server.connector.sent(thread)


async def survey(server: PulseServer, survey_id: str) -> SurveyRecord:
    record = await server.app.pulse.survey(survey_id)
    assert record is not None
    return record


GENERAL = TEAM_ID
