"""Whole-diagnostic personas, written blind from the articles, played through the engine: each
ends in the model the articles argue for (mixed ones: shared, or a close call naming both)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.authoring.personas import BUNDLED_PERSONAS, MIXED, Persona, play, read_personas
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge

PERSONAS = read_personas(default_knowledge_dir() / BUNDLED_PERSONAS)


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


def test_the_personas_cover_every_model_and_mixed_cases(knowledge: Knowledge) -> None:
    assert len(PERSONAS) >= 12
    expected = {persona.expected for persona in PERSONAS}
    assert expected == {*knowledge.model_ids, MIXED}
    for persona in PERSONAS:
        assert set(persona.answers) == {question.id for question in knowledge.questions}
        for question_id, option_id in persona.intended.items():
            question = knowledge.question(question_id)
            assert question is not None
            assert question.option(option_id) is not None


@pytest.mark.parametrize("persona", PERSONAS, ids=[persona.id for persona in PERSONAS])
def test_each_persona_gets_the_model_the_articles_argue_for(
    knowledge: Knowledge, persona: Persona
) -> None:
    run = play(persona, knowledge)
    summary = run.summary
    assert run.passed, (summary.recommended.id, summary.clarity, summary.runner_up)
    assert summary.answered == len(knowledge.questions)  # nothing was skipped on the way


def test_a_malformed_persona_file_names_the_persona(tmp_path: Path) -> None:
    path = tmp_path / "personas.yml"
    path.write_text("- id: broken\n  expected: it_led\n", encoding="utf-8")
    with pytest.raises(ValueError, match="persona 'broken' is malformed"):
        read_personas(path)
