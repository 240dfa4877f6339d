"""You vs your team on Teams, end to end: Ada takes the diagnostic in her private chat, the team
answers a pulse in a channel thread, Ada closes it and presses "Compare with my diagnostic" on
the results card: the comparison comes to her private chat, never to the thread."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.views import catalogue
from testing.fakes.teams_activities import PERSONAL_CONVERSATION_ID
from testing.fakes.teams_connector import SEND
from testing.flows.teams import is_summary, submits, text_of
from testing.flows.teams_pulse import (
    ADA,
    ALAN,
    GRACE,
    KATHERINE,
    Launched,
    PulseServer,
    answer,
    data,
    in_thread,
    launch,
    press,
    pulse_buttons,
    pulse_server,
)

RESPONDENTS = (GRACE, KATHERINE, ALAN)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[PulseServer]:
    async with pulse_server(tmp_path) as running:
        yield running


async def say(server: PulseServer, text: str | None, count: int, **options: Any) -> None:
    before = len(server.connector.sent())
    delivery = await server.teams.personal_message(text, **options)
    assert delivery.status in (200, 201)
    await server.connector.wait_for_sent(before + count)


async def take_diagnostic(server: PulseServer) -> None:
    """Ada (the default user) answers every question with its first option."""
    await say(server, "hi", 2)
    for _ in range(20):
        last = server.connector.sent()[-1]
        if is_summary(last):
            return
        await say(server, None, 1, value=submits(last, "answer")[0])
    raise AssertionError("the diagnostic did not finish")


async def closed_results(server: PulseServer, respondents: int = 3) -> Launched:
    launched = await launch(server, "pulse threshold 3")
    for person in RESPONDENTS[:respondents]:
        await answer(server, launched, person, 3)
    await press(server, data("pulse_close", launched.survey_id), ADA, launched.thread)
    return launched


def privately(server: PulseServer, thread: str, before: int) -> list[dict[str, Any]]:
    """What the bot sent since call `before`, outside the thread."""
    calls = server.connector.calls()[before:]
    return [
        c.body
        for c in calls
        if c.operation == SEND and c.conversation_id != thread and c.body is not None
    ]


async def test_the_comparison_goes_to_the_askers_private_chat_only(
    server: PulseServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await take_diagnostic(server)
    launched = await closed_results(server)
    results = [a for a in in_thread(server, launched.thread) if pulse_buttons(a, "pulse_compare")]
    assert results, "the results card offers the comparison"
    in_thread_before = len(in_thread(server, launched.thread))

    before = len(server.connector.calls())
    await press(server, data("pulse_compare", launched.survey_id), ADA, launched.thread)
    [card] = privately(server, launched.thread, before)
    shown = text_of(card)
    assert catalogue.COMPARE_TITLE in shown
    for question in server.app.knowledge.pulse_questions:
        assert question.prompt in shown
        assert catalogue.you_answered(question.options[0].label) in shown
    assert catalogue.COMPARE_SCORES_HEADING in shown
    assert catalogue.COMPARE_DIFFERENCES_HEADING in shown
    assert "you 0% · team" in shown
    for person in RESPONDENTS:
        assert person.name not in json.dumps(card, ensure_ascii=False)
    assert len(in_thread(server, launched.thread)) == in_thread_before  # nothing in the channel

    logged = [r.getMessage() for r in caplog.records if "pulse compare" in r.getMessage()]
    assert any(f"survey={launched.survey_id} outcome=shown" in line for line in logged)
    for line in logged:
        assert not any(trace in line for trace in (ADA.id, ADA.aad_object_id, ADA.name))


async def test_without_a_diagnostic_the_private_chat_says_take_it_first(
    server: PulseServer,
) -> None:
    launched = await closed_results(server)
    in_thread_before = len(in_thread(server, launched.thread))
    before = len(server.connector.calls())
    await press(server, data("pulse_compare", launched.survey_id), GRACE, launched.thread)
    [note] = privately(server, launched.thread, before)
    assert catalogue.COMPARE_NO_DIAGNOSTIC in text_of(note)
    assert "%" not in text_of(note)
    assert len(in_thread(server, launched.thread)) == in_thread_before


async def test_below_the_threshold_there_is_nothing_to_compare(server: PulseServer) -> None:
    await take_diagnostic(server)
    launched = await closed_results(server, respondents=1)
    before = len(server.connector.calls())
    await press(server, data("pulse_compare", launched.survey_id), ADA, launched.thread)
    [note] = privately(server, launched.thread, before)
    assert "nothing to compare" in text_of(note)
    assert "%" not in text_of(note)


async def test_an_open_survey_is_compared_once_closed(server: PulseServer) -> None:
    await take_diagnostic(server)
    launched = await launch(server, "pulse threshold 3")
    for person in RESPONDENTS:
        await answer(server, launched, person, 3)
    before = len(server.connector.calls())
    await press(server, data("pulse_compare", launched.survey_id), ADA, launched.thread)
    [note] = privately(server, launched.thread, before)
    assert catalogue.COMPARE_WHEN_CLOSED in text_of(note)
    assert "%" not in text_of(note)


async def test_pressed_in_the_private_chat_it_answers_there(server: PulseServer) -> None:
    await take_diagnostic(server)
    launched = await closed_results(server)
    before = len(server.connector.sent(PERSONAL_CONVERSATION_ID))
    await say(server, None, 0, value=data("pulse_compare", launched.survey_id))
    [card] = server.connector.sent(PERSONAL_CONVERSATION_ID)[before:]
    assert catalogue.COMPARE_TITLE in text_of(card)
