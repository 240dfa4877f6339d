"""The rounds of the memory benchmark: how a round's requests divide between kinds, and the
three phases that bring new people through their first questions on Slack and on Teams."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bench.traffic.malformed import MalformedRequests
from bench.traffic.posted import slack_questions, teams_questions
from bench.traffic.requests import (
    EVENTS_PATH,
    MESSAGES_PATH,
    Request,
    TeamsPerson,
    slack_dm_channel,
)
from bot.knowledge import load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.paths import default_knowledge_dir
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.slack_requests import (
    block_actions_payload,
    dm_message,
    event_envelope,
    slash_command_payload,
)
from testing.fakes.teams_connector import FakeConnector

UNREACHABLE = "teams malformed: unreachable serviceUrl"


@dataclass(frozen=True)
class Mix:
    """How one round's requests divide between kinds (see `mix_for`)."""

    slack_people: int  # each: /ai-owner start, a button press, a typed answer in the DM
    slack_chatter: int  # DMs from people who never started
    slack_redelivered: int  # typed answers delivered again (X-Slack-Retry-Num, same event_id)
    slack_malformed: int
    teams_people: int  # each: "start", a card button (Action.Submit), a typed answer
    teams_chatter: int
    teams_redelivered: int  # submits sent again with the same activity id
    teams_malformed: int
    teams_unreachable: int  # a serviceUrl where nothing listens (the SDK retries for ~5 s)
    admin_refused: int  # wrong, missing and odd tokens on /admin/knowledge[/reload]
    odd_methods: int  # unknown HTTP methods on unknown paths

    @property
    def total(self) -> int:
        return (
            3 * self.slack_people
            + self.slack_chatter
            + self.slack_redelivered
            + self.slack_malformed
            + 3 * self.teams_people
            + self.teams_chatter
            + self.teams_redelivered
            + self.teams_malformed
            + self.teams_unreachable
            + self.admin_refused
            + self.odd_methods
        )


def mix_for(requests: int) -> Mix:
    """About 45% valid Slack, 20% malformed Slack, 20% valid Teams, 12% malformed Teams, the
    rest refused admin calls and odd methods."""

    def part(share: float) -> int:
        return max(1, round(requests * share))

    mix = Mix(
        slack_people=part(0.1),
        slack_chatter=part(0.1),
        slack_redelivered=part(0.025),
        slack_malformed=part(0.2),
        teams_people=part(0.05),
        teams_chatter=part(0.025),
        teams_redelivered=part(0.02),
        teams_malformed=part(0.12),
        teams_unreachable=1,
        admin_refused=0,
        odd_methods=part(0.005),
    )
    return Mix(**{**mix.__dict__, "admin_refused": max(1, requests - mix.total)})


class Workload(MalformedRequests):
    """Builds each round's requests. People are new every round (distinct Slack and Teams ids,
    DMs and chats), as a server in production keeps meeting new people."""

    def __init__(
        self, api: FakeSlackApi, connector: FakeConnector, mix: Mix, seed: int, closed_url: str
    ) -> None:
        super().__init__(api, connector, seed)
        self.mix = mix
        self.knowledge: Knowledge = load_knowledge(default_knowledge_dir())
        self.closed_url = closed_url
        self._submits: list[Request] = []  # this round's Teams submits, for redelivery

    # People ----------------------------------------------------------------------------------

    def slack_people(self, number: int) -> list[str]:
        return [f"UM{number:02d}{index:04d}" for index in range(self.mix.slack_people)]

    def teams_people(self, number: int) -> list[TeamsPerson]:
        return [
            TeamsPerson(f"29:mem-{number}-{index}", f"a:mem-{number}-{index}")
            for index in range(self.mix.teams_people)
        ]

    # Phases ----------------------------------------------------------------------------------

    async def opening(self, number: int) -> list[Request]:
        """Phase 1: new people start, others chatter, and everything malformed or refused."""
        requests: list[Request] = []
        for user in self.slack_people(number):
            fields = slash_command_payload(
                "start", user_id=user, response_url=self.api.response_url(f"start-{user}")
            )
            requests.append(self._slack_form("slack /ai-owner start", fields))
        for index in range(self.mix.slack_chatter):
            user = f"UC{number:02d}{index:04d}"
            text = self._chatter()
            event = dm_message(text, user_id=user, channel=slack_dm_channel(user))
            requests.append(self._slack_json("slack DM chatter", event_envelope(event)))
        requests += [
            self._slack_malformed(number, index) for index in range(self.mix.slack_malformed)
        ]
        for person in self.teams_people(number):
            requests.append(await self._teams_personal("teams start", person, "start"))
        for index in range(self.mix.teams_chatter):
            person = TeamsPerson(f"29:chat-{number}-{index}", f"a:chat-{number}-{index}")
            requests.append(await self._teams_personal("teams chatter", person, self._chatter()))
        for index in range(self.mix.teams_malformed):
            requests.append(await self._teams_malformed(number, index))
        # One serviceUrl per round where nothing listens (each is logged once, and the SDK
        # retries for about 5 s, holding one of the turns meanwhile).
        for index in range(self.mix.teams_unreachable):
            person = TeamsPerson(f"29:gone-{number}-{index}", f"a:gone-{number}-{index}")
            url = f"{self.closed_url}/r{number}i{index}/"
            request = await self._teams_personal(UNREACHABLE, person, "start", service_url=url)
            requests.append(request)
        requests += [self._admin_refused(index) for index in range(self.mix.admin_refused)]
        requests += [self._odd_method(number, index) for index in range(self.mix.odd_methods)]
        self.random.shuffle(requests)
        return requests

    async def pressing(self, number: int) -> tuple[list[Request], int]:
        """Phase 2: each new person presses an answer of the first question the bot posted them;
        the count of people the bot had posted no question (should be 0)."""
        requests: list[Request] = []
        missing = 0
        slack = slack_questions(self.api.calls("chat.postMessage"), self.api)
        for index, user in enumerate(self.slack_people(number)):
            posted = slack.get(slack_dm_channel(user))
            if posted is None:
                missing += 1
                continue
            payload = block_actions_payload(
                str(posted.press["action_id"]),
                str(posted.press["value"]),
                user_id=user,
                channel_id=slack_dm_channel(user),
                message_ts=posted.message,
                message_blocks=posted.blocks,
                message_text=posted.text,
                response_url=self.api.response_url(f"press-{user}-{index}"),
            )
            fields = {"payload": json.dumps(payload)}
            requests.append(self._slack_form("slack button press", fields))
        cards = teams_questions(self.connector.calls())
        self._submits = []
        for person in self.teams_people(number):
            card = cards.get(person.conversation_id)
            if card is None:
                missing += 1
                continue
            request = await self._teams_personal(
                "teams card submit", person, None, value=card.press, reply_to=card.message
            )
            requests.append(request)
            self._submits.append(request)
        self.random.shuffle(requests)
        return requests, missing

    async def typing(self, number: int) -> tuple[list[Request], int]:
        """Phase 3: each new person types an answer to the question the bot posted next, and a
        few of those deliveries (and of the Teams submits) arrive twice."""
        requests: list[Request] = []
        missing = 0
        slack = slack_questions(self.api.calls("chat.postMessage"), self.api)
        typed: list[Request] = []
        for user in self.slack_people(number):
            posted = slack.get(slack_dm_channel(user))
            if posted is None:
                missing += 1
                continue
            event = dm_message(
                self._answer_text(posted.question_id), user_id=user, channel=slack_dm_channel(user)
            )
            typed.append(self._slack_json("slack DM typed answer", event_envelope(event)))
        cards = teams_questions(self.connector.calls())
        for person in self.teams_people(number):
            card = cards.get(person.conversation_id)
            if card is None:
                missing += 1
                continue
            text = self._answer_text(card.question_id)
            requests.append(await self._teams_personal("teams typed answer", person, text))
        requests += typed
        for request in typed[: self.mix.slack_redelivered]:
            headers = {**request.headers, "X-Slack-Retry-Num": "1"}
            headers["X-Slack-Retry-Reason"] = "http_timeout"
            requests.append(Request("slack redelivery", "POST", EVENTS_PATH, request.body, headers))
        for request in self._submits[: self.mix.teams_redelivered]:
            requests.append(
                Request("teams redelivery", "POST", MESSAGES_PATH, request.body, request.headers)
            )
        self.random.shuffle(requests)
        return requests, missing

    def _answer_text(self, question_id: str) -> str:
        """A typed answer meaning one of the question's options, in varied words."""
        question = next(q for q in self.knowledge.questions if q.id == question_id)
        option = self.random.choice(question.options)
        phrase = self.random.choice((option.label, *option.synonyms))
        lead = self.random.choice(
            ("", "I think ", "probably ", "mostly ", "honestly, ", "we'd say ")
        )
        tail = self.random.choice(("", " I guess", ", at least for now", f" ({self._word()})"))
        return f"{lead}{phrase.lower()}{tail}"
