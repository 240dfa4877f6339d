"""What "forget me" tells the person, and that it finds their survey answers with the real keys."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.forget import ForgetService, report
from bot.pulse.keys import PulseKeys
from bot.views.catalogue import FORGET_DONE, FORGET_NOTHING
from storage.conversations import ConversationKey
from storage.lifecycle import Forgotten
from storage.memory import MemoryStorage
from storage.pulse import SurveyRecord

KEY = ConversationKey("slack", "T1", "U1")
NOW = datetime(2025, 6, 1, tzinfo=UTC)
KEYS = PulseKeys(b"test-survey-secret")


def test_nothing_deleted_says_so_and_still_names_what_stays() -> None:
    shown = report(Forgotten(admin_records=1), "Slack")

    assert shown.title == FORGET_NOTHING
    assert shown.deleted == ()
    assert any("1 admin record naming you" in line for line in shown.kept)
    assert any("an administrator of this app can remove them" in line for line in shown.kept)


def test_an_idle_conversation_is_named_as_such() -> None:
    shown = report(Forgotten(conversation={}, references=1), "Teams")

    assert shown.title == FORGET_DONE
    assert shown.deleted == (
        "our conversation's saved state",
        "the reference I used to message you",
    )


async def test_the_service_finds_answers_and_launches_with_the_survey_keys() -> None:
    repository = MemoryStorage()
    survey = SurveyRecord(
        id="0" * 31 + "1",
        platform=KEY.platform,
        workspace=KEY.workspace,
        channel="C1",
        launcher_key=KEYS.launcher(KEY.platform, KEY.workspace, KEY.user),
        question_ids=("q",),
        knowledge_version="v1",
        threshold=1,
        created_at=NOW,
        deadline=datetime(2025, 6, 2, tzinfo=UTC),
    )
    await repository.pulse.create_survey(survey)
    mine = KEYS.respondent(KEY.platform, KEY.workspace, survey.id, KEY.user)
    theirs = KEYS.respondent(KEY.platform, KEY.workspace, survey.id, "U2")
    for respondent in (mine, theirs):
        await repository.pulse.record_response(survey.id, respondent, {"q": "a"}, NOW)

    forgotten = await ForgetService(repository.lifecycle, KEYS).forget(KEY)

    assert (forgotten.survey_answers, forgotten.launched_surveys) == (1, 1)
    assert await repository.pulse.load_response(survey.id, theirs) == {"q": "a"}
