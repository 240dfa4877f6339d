"""Knowledge and engine replies for the Block Kit tests: the bundled knowledge, and a copy of it
with every text at the longest the schema allows."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine.dialogue import handle
from bot.engine.index import index_for
from bot.engine.progress import HISTORY_LENGTH
from bot.engine.replies import (
    AnswerChange,
    HistoryEntry,
    ProgressView,
    Reply,
    ScoreChange,
    Summary,
)
from bot.engine.state import ConversationState
from bot.engine.summary import build_summary
from bot.engine.turn import Command, Turn
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.knowledge.loader import knowledge_files

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
WORDS = "lorem ipsum dolor sit amet consectetur "
# Every character that expands when escaped, every markup Slack knows, emoji and line breaks.
HOSTILE = "<!channel> & @here <@U123> <https://evil|click> *b* _i_ `c` 🎉👩‍👩‍👧 a>b\n"

# The schema's maximum length of each text field (bot/knowledge/model.py), per entry kind.
TEXT, LABEL, PHRASE, SNIPPET, MAX_URL = 2000, 75, 120, 600, 500
FIELDS: dict[str, dict[str, int]] = {
    "sources": {"title": TEXT, "author": PHRASE, "stance": TEXT, "publisher": PHRASE},
    "models": {"name": LABEL, "summary": TEXT, "description": TEXT},
    "dimensions": {"name": LABEL, "description": TEXT, "unblock": TEXT},
    "questions": {"prompt": TEXT, "why": TEXT},
    "snippets": {"text": SNIPPET},
    "examples": {},  # example answers teach the matcher; no user ever sees one
    "not_answers": {},
    "stages": {"name": LABEL, "description": TEXT},
    "tensions": {"advice": TEXT},
    "steps": {"text": TEXT},
}
LISTS = {"models": ("fits_when", "risks", "next_steps")}
MAX_OPTIONS = 5


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


def run_engine(knowledge: Knowledge, script: list[dict[str, Any]]) -> list[Reply]:
    """Every reply the engine gives to `script` (Turn keyword arguments), in order."""
    state, replies = ConversationState(), []
    for step in script:
        state, new = handle(state, Turn(now=NOW, **step), knowledge)
        replies.extend(new)
    return replies


def full_script(knowledge: Knowledge) -> list[dict[str, Any]]:
    """A conversation that makes the engine produce every kind of reply."""
    return [
        {"command": Command.START},
        {"text": "why"},
        {"text": "zzzz qqqq"},
        {"text": "help"},
        *({"text": "1"} for _ in knowledge.questions),
        {"command": Command.ASK, "argument": "how should we measure AI success?"},
        {"command": Command.ASK, "argument": "xylophone"},
        {"command": Command.SKIP},
    ]


def longest_answers_summary(knowledge: Knowledge) -> Summary:
    """The summary whose every answer is the question's longest option label."""
    answers: dict[str, str | None] = {
        q.id: max(q.options, key=lambda option: len(option.label)).id for q in knowledge.questions
    }
    return build_summary(answers, index_for(knowledge), NOW)


def with_long_past(summary: Summary) -> Summary:
    """`summary` after the longest history the service attaches: every answer changed (from
    the answer itself, the longest labels there are), every score moved, ten earlier results."""
    models = [score.model for score in summary.scores]
    earlier, day = models[-1].name, NOW.date()
    progress = ProgressView(
        day - timedelta(days=30),
        earlier,
        True,
        tuple(ScoreChange(score.model, 1 - score.score, score.score) for score in summary.scores),
        tuple(AnswerChange(item.dimension, item.answer, item.answer) for item in summary.leanings),
    )
    history = tuple(
        HistoryEntry(day - timedelta(days=30 * n), models[n % len(models)].name, "clear", 0.5)
        for n in range(1, HISTORY_LENGTH + 1)
    )
    return replace(summary, progress=progress, history=history)


def fill(tag: str, length: int, pattern: str) -> str:
    """`length` characters starting with `tag` (so each text is unique), never ending in
    whitespace (the schema strips it)."""
    text = (f"{tag} " + pattern * (length // len(pattern) + 1))[:length]
    return text if not text[-1].isspace() else text[:-1] + "x"


def _maximise(kind: str, entry: dict[str, Any], pattern: str) -> None:
    for name, length in FIELDS[kind].items():
        entry[name] = fill(f"{kind}-{entry['id']}-{name}", length, pattern)
    for name in LISTS.get(kind, ()):
        entry[name] = [
            fill(f"{entry['id']}-{name}{i}", TEXT, pattern) for i, _ in enumerate(entry[name])
        ]
    if kind == "sources":  # a link at the schema's maximum (a URL holds no hostile markup)
        entry["url"] = f"https://example.com/{entry['id']}/".ljust(MAX_URL, "x")
        entry["published"] = "2024-05-01"
    if kind == "tensions" and entry.get("step"):
        entry["step"]["text"] = fill(f"tension-{entry['id']}-step", TEXT, pattern)
    if kind == "questions":
        options = entry["options"]
        while len(options) < MAX_OPTIONS:
            options.append({**options[-1], "id": f"extra{len(options)}"})
        for option in options:
            option["label"] = fill(f"label-{entry['id']}-{option['id']}", LABEL, pattern)


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def write_maximal(directory: Path, pattern: str, copies: int) -> Knowledge:
    """The bundled knowledge with every text at its schema maximum, every question at five
    options, and the questions repeated `copies` times (more leanings than a card can hold)."""
    shutil.copytree(default_knowledge_dir(), directory)
    for path in knowledge_files(directory):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind, entries in data.items():
            for entry in entries:
                _maximise(kind, entry, pattern)
        if "questions" in data:
            originals = data["questions"]
            data["questions"] = [
                {**q, "id": f"{q['id']}-{n}"} if n else q for n in range(copies) for q in originals
            ]
        # Written out in full: copied options share their nested dicts, which PyYAML would
        # write as anchors and aliases, and the loader refuses those.
        text = yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=10_000)
        path.write_text(text, encoding="utf-8")
    return load_knowledge(directory)


MaximalFactory = Callable[[str], Knowledge]


@pytest.fixture(scope="session")
def maximal(tmp_path_factory: pytest.TempPathFactory) -> MaximalFactory:
    cache: dict[str, Knowledge] = {}

    def make(pattern: str) -> Knowledge:
        if pattern not in cache:
            directory = tmp_path_factory.mktemp("knowledge") / "k"
            cache[pattern] = write_maximal(directory, pattern, copies=4)
        return cache[pattern]

    return make
