"""Private pulse reminders end to end: the real Slack and Teams member directories, real HTTP
to the fakes with the platforms' rate limits (scaled), 2,000 channel members, the sender's
fixed batches at fixed times, and the in-memory storage's marks."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

from bot.config import TeamsConfig
from bot.handlers.slack.pulse_members import SlackMemberDirectory
from bot.handlers.slack.pulse_publisher import fixed_client
from bot.handlers.teams.adapter import build_adapter
from bot.handlers.teams.proactive import Proactive
from bot.handlers.teams.pulse_members import TeamsMemberDirectory
from bot.handlers.teams.pulse_publisher import survey_message
from bot.knowledge import default_knowledge_dir, load_knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.reminders import MembersUnavailable, ReminderOutcome, ReminderPace, ReminderSender
from bot.pulse.service import LaunchOptions, PulseService
from storage.memory import MemoryStorage
from storage.pulse import SurveyRecord
from testing.fakes.slack_api import FakeSlackApi
from testing.fakes.teams_activities import BOT_ID, TEAM_ID, TENANT_ID
from testing.fakes.teams_connector import CREATE, SEND, FakeConnector, make_members
from testing.fakes.workspace import BOT_USER_ID

KNOWLEDGE = load_knowledge(default_knowledge_dir())
KEYS = PulseKeys(b"e2e")
MEMBERS = 2000
ANSWERED = 300  # every 7th member or so answers before the reminders


class Shifted:
    """Real time, moved so that the survey's reminder is due now."""

    def __init__(self) -> None:
        self.base = datetime.now(UTC)
        self._since = time.monotonic()

    def __call__(self) -> datetime:
        return self.base + timedelta(seconds=time.monotonic() - self._since)

    def move_to(self, when: datetime) -> None:
        self.base, self._since = when, time.monotonic()


async def launched(
    platform: str, workspace: str, channel: str, users: list[str], clock: Shifted
) -> tuple[MemoryStorage, SurveyRecord, set[str]]:
    storage = MemoryStorage()
    pulse = PulseService(storage.pulse, lambda: KNOWLEDGE, KEYS, clock=clock)
    options = LaunchOptions(deadline=clock() + timedelta(days=2), remind=True)
    survey = await pulse.launch(platform, workspace, channel, "launcher", options)
    answers = {q.id: q.options[0].id for q in KNOWLEDGE.pulse_questions}
    answered = set(users[:: MEMBERS // ANSWERED][:ANSWERED])
    for user in answered:
        await pulse.answer(survey.id, workspace, user, answers)
    assert survey.remind_at is not None
    clock.move_to(survey.remind_at)
    return storage, survey, answered


async def send_all(
    storage: MemoryStorage,
    survey: SurveyRecord,
    sender_for: Callable[[], ReminderSender],
) -> ReminderOutcome:
    sender = sender_for()
    held = await sender.claim(survey)
    assert held is not None
    return await sender.send(survey, held)


async def test_slack_2000_members_each_non_responder_gets_one_dm() -> None:
    clock = Shifted()
    users = [f"U{number:05d}" for number in range(1, MEMBERS + 1)]
    async with FakeSlackApi() as api:
        api.channel_members["C0PULSE"] = [*users[:1000], BOT_USER_ID, *users[1000:]]
        speedup = 60.0
        api.limit_like_slack(speedup=speedup)
        # Slack's unpublished workspace cap on chat.postMessage, scaled like the pace below.
        api.limit("chat.postMessage", calls=100, per_seconds=0.5)
        client = api.client(retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
        storage, survey, answered = await launched("slack", "T1", "C0PULSE", users, clock)
        # Under the scaled workspace cap (160 a second against 200).
        pace = ReminderPace(batch_size=40, interval=timedelta(seconds=0.25), concurrency=8)
        directory = SlackMemberDirectory(fixed_client(client))
        started = time.monotonic()
        outcome = await send_all(
            storage,
            survey,
            lambda: ReminderSender(storage.reminders, KEYS, directory, pace, clock=clock),
        )
        elapsed = time.monotonic() - started
        print(f"slack: {MEMBERS} members in {elapsed:.1f} s, 429s: {len(api.rejected())}")
        assert outcome.finished
        posted = [call for call in api.calls("chat.postMessage") if not call.rate_limited]
        delivered = Counter(str(call.params["channel"]) for call in posted)
        assert set(delivered) == set(users) - answered
        assert max(delivered.values()) == 1
        assert BOT_USER_ID not in delivered
        # A reminder says nothing about anyone: no member's id in any reminder's content.
        member_ids = re.compile(r"U\d{5}")
        for call in posted:
            content = {key: value for key, value in call.params.items() if key != "channel"}
            assert not member_ids.search(json.dumps(content)), content
        # Every 429 was retried until it went through.
        for call in api.rejected("chat.postMessage"):
            assert delivered[str(call.params["channel"])] == 1
        assert outcome.sent == MEMBERS - ANSWERED
        assert elapsed < 30
        # Batches at the fixed times: never more than a batch in any one interval.
        firsts = sorted(call.at for call in posted)
        assert firsts[-1] - firsts[0] >= (outcome.batches - 1) * 0.25 - 0.25


async def test_slack_without_the_read_scopes_lists_no_members() -> None:
    clock = Shifted()
    async with FakeSlackApi() as api:
        api.channel_members["C0PULSE"] = ["U1", "U2"]
        api.scopes -= {"channels:read", "groups:read"}
        storage, survey, _ = await launched("slack", "T1", "C0PULSE", ["U1", "U2"], clock)
        directory = SlackMemberDirectory(fixed_client(api.client()))
        pace = ReminderPace(batch_size=10, interval=timedelta(seconds=1))
        sender = ReminderSender(storage.reminders, KEYS, directory, pace, clock=clock)
        held = await sender.claim(survey)
        assert held is not None
        with pytest.raises(MembersUnavailable, match="missing_scope"):
            await sender.send(survey, held)
        assert api.calls("chat.postMessage") == []


async def test_teams_2000_members_each_non_responder_gets_one_private_message() -> None:
    clock = Shifted()
    roster = make_members(MEMBERS)
    users = [str(member["id"]) for member in roster]
    async with FakeConnector() as connector:
        connector.set_members(roster, TEAM_ID)
        speedup = 10.0
        connector.limit_like_teams(speedup=speedup)
        adapter = build_adapter(
            TeamsConfig(app_id="", app_password="", app_type="", tenant_id="", dev=True)
        )
        proactive = Proactive(adapter, "")
        storage, survey, answered = await launched("msteams", TENANT_ID, TEAM_ID, users, clock)
        reference = {
            "serviceUrl": connector.base_url,
            "channelId": "msteams",
            "bot": {"id": BOT_ID, "name": "AI Ownership Advisor"},
            "conversation": {
                "id": f"{TEAM_ID};messageid=1",
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT_ID,
            },
        }
        await storage.pulse.set_survey_message(survey.id, survey_message(reference, "1"))
        survey = await storage.pulse.load_survey(survey.id)  # type: ignore[assignment]
        # Two connector calls per reminder: 40 per 0.1 s against the scaled 50 per 0.1 s.
        pace = ReminderPace(batch_size=20, interval=timedelta(seconds=0.1), concurrency=8)
        directory = TeamsMemberDirectory(proactive)
        started = time.monotonic()
        outcome = await send_all(
            storage,
            survey,
            lambda: ReminderSender(storage.reminders, KEYS, directory, pace, clock=clock),
        )
        elapsed = time.monotonic() - started
        print(f"teams: {MEMBERS} members in {elapsed:.1f} s, 429s: {len(connector.rejected())}")
        assert outcome.finished
        opened = [
            str((call.body or {})["members"][0]["id"])
            for call in connector.calls(CREATE)
            if not call.rate_limited
        ]
        sent = [call for call in connector.calls(SEND) if not call.rate_limited]
        # A 429 on the send opens the chat again (Teams answers with the same one).
        assert set(opened) == set(users) - answered
        assert len(sent) == MEMBERS - ANSWERED
        # A reminder says nothing about anyone: no member's id in any reminder's content.
        # (Its addressing names its addressee, as any message does: only what it says counts.)
        for call in sent:
            said = {key: (call.body or {}).get(key) for key in ("text", "attachments", "summary")}
            assert "29:member-" not in json.dumps(said), said
        assert max(connector.sent_counts().values()) == 1
        assert outcome.sent == MEMBERS - ANSWERED
        assert elapsed < 30
