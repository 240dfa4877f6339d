"""The terminal front end over a SQLite file, the diagnostic taken twice: the retake's summary
carries the progress since the first result and the history (what the views draw)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.engine.replies import AnswerChange, Reply, SummaryReply
from bot.handlers.console import run_console
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.service import AdvisorService
from storage.migrate import upgrade
from storage.sql import SqlStorage
from tests.handlers.test_console import KEY, scripted


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


class RecordingService(AdvisorService):
    """The real service, keeping the replies it hands the console."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replies: list[Reply] = []

    async def handle(self, *args: Any, **kwargs: Any) -> list[Reply]:
        replies = await super().handle(*args, **kwargs)
        self.replies += replies
        return replies


def dimension_name(knowledge: Knowledge, dimension_id: str) -> str:
    dimension = knowledge.dimension(dimension_id)
    assert dimension is not None
    return dimension.name


async def test_a_retake_brings_progress_and_history(knowledge: Knowledge, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    await upgrade(url)
    first = ["1"] * len(knowledge.questions)
    second = ["2"] * len(knowledge.questions)
    buffer = io.StringIO()
    repository = SqlStorage.from_url(url)
    try:
        service = RecordingService(repository.conversations, lambda: knowledge)
        lines = [*first, "restart", *second, "summary"]
        await run_console(service, KEY, scripted(lines), Console(file=buffer, width=100))
    finally:
        await repository.close()
    output = buffer.getvalue()
    assert "Traceback" not in output
    assert "something went wrong" not in output

    summaries = [r.summary for r in service.replies if isinstance(r, SummaryReply)]
    assert len(summaries) == 3  # the first result, the retake's, and `summary`
    assert (summaries[0].progress, summaries[0].history) == (None, ())
    retake, again = summaries[1:]
    assert again == retake
    progress = retake.progress
    assert progress is not None
    assert progress.previous_model == summaries[0].recommended.name
    assert progress.model_changed is (retake.recommended != summaries[0].recommended)
    assert progress.changed_answers == tuple(
        AnswerChange(dimension_name(knowledge, q.dimension), q.options[0].label, q.options[1].label)
        for q in knowledge.questions
    )
    assert [change.model for change in progress.scores] == [s.model for s in retake.scores]
    assert [entry.model for entry in retake.history] == [summaries[0].recommended.name]
