"""Whole-diagnostic personas: an organisation answers every question in its own words, and the
recommendation is checked against the model the articles argue for.

A persona file (`knowledge/tests/personas.yml`) is a YAML list:

    - id: regional-lender
      organisation: "..."
      argued_by: "..."
      expected: dedicated          # or `mixed`, with `between: [it_led, business_led]`
      answers: {mandate: "...", ...}
      intended: {mandate: new_value, ...}

Each persona is played through the engine as a person would: the typed answer first; when the
bot asks back (or explains instead of recording), the person presses the button of the option
they meant, which counts as one extra turn. A single-model persona passes when that model is
recommended; a mixed one when the shared model is, or a close call names both of its models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.engine.dialogue import handle
from bot.engine.replies import (
    Clarity,
    QuestionReply,
    Reply,
    Summary,
    SummaryReply,
)
from bot.engine.state import ConversationState
from bot.engine.turn import Choice, Command, Turn
from bot.knowledge.loader import TESTS_FOLDER
from bot.knowledge.model import Knowledge

BUNDLED_PERSONAS = Path(TESTS_FOLDER) / "personas.yml"
MIXED = "mixed"
SHARED = "shared"
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Persona:
    id: str
    expected: str
    between: tuple[str, ...]
    answers: Mapping[str, str]
    intended: Mapping[str, str]


@dataclass(frozen=True)
class WrongPick:
    question: str
    chosen: str
    intended: str


@dataclass(frozen=True)
class PersonaRun:
    persona: Persona
    summary: Summary
    extra_turns: int
    wrong_picks: tuple[WrongPick, ...] = field(default=())

    @property
    def passed(self) -> bool:
        recommended = self.summary.recommended.id
        if self.persona.expected != MIXED:
            return recommended == self.persona.expected
        if recommended == SHARED:
            return True
        runner_up = self.summary.runner_up.id if self.summary.runner_up else None
        close = self.summary.clarity is Clarity.CLOSE_CALL
        return close and {recommended, runner_up} == set(self.persona.between)


def read_personas(path: Path) -> list[Persona]:
    """The personas of a file; ValueError naming the persona when one is malformed."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of personas")
    return [_persona(path, item) for item in raw]


def _persona(path: Path, item: Any) -> Persona:
    try:
        return Persona(
            id=str(item["id"]),
            expected=str(item["expected"]),
            between=tuple(str(model) for model in item.get("between", ())),
            answers={str(q): str(text) for q, text in item["answers"].items()},
            intended={str(q): str(option) for q, option in item["intended"].items()},
        )
    except (KeyError, TypeError, AttributeError) as error:
        name = item.get("id", "?") if isinstance(item, dict) else "?"
        raise ValueError(f"{path}: persona '{name}' is malformed ({error})") from error


def play(persona: Persona, knowledge: Knowledge) -> PersonaRun:
    """Play the whole diagnostic as `persona` through the engine."""
    state, replies = _turn(ConversationState(), knowledge, command=Command.START)
    extra = 0
    wrong: list[WrongPick] = []
    for _ in range(4 * len(knowledge.questions)):  # bounded: every question, with ask-backs
        summary = _summary(replies)
        if summary is not None:
            return PersonaRun(persona, summary, extra, tuple(wrong))
        question = _last_question(replies, state)
        intended = persona.intended.get(question, "")
        state, replies = _turn(state, knowledge, text=persona.answers.get(question, "skip"))
        if question in state.answers or _summary(replies) is not None:
            chosen = state.answers.get(question)
            if chosen is not None and intended and chosen != intended:
                wrong.append(WrongPick(question, chosen, intended))
            continue
        extra += 1  # asked back or explained: the person presses the button they meant
        state, replies = _turn(state, knowledge, choice=Choice(question, intended))
    raise RuntimeError(f"persona '{persona.id}' did not reach a summary")


def _turn(
    state: ConversationState,
    knowledge: Knowledge,
    *,
    text: str = "",
    choice: Choice | None = None,
    command: Command | None = None,
) -> tuple[ConversationState, list[Reply]]:
    return handle(state, Turn(now=_NOW, text=text, choice=choice, command=command), knowledge)


def _summary(replies: Sequence[Reply]) -> Summary | None:
    found = [reply.summary for reply in replies if isinstance(reply, SummaryReply)]
    return found[0] if found else None


def _last_question(replies: Sequence[Reply], state: ConversationState) -> str:
    """The question on screen: the last one these replies asked, else the one the state shows."""
    asked = [reply.question_id for reply in replies if isinstance(reply, QuestionReply)]
    if asked:
        return asked[-1]
    if state.shown is not None:
        return state.shown
    raise RuntimeError("no question on screen")
