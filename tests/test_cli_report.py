"""`advisor report`, run for real: a console diagnostic in a subprocess stores a result in a
SQLite file, then the report command writes it as a PDF, read back with pypdf."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.views import catalogue
from tests.test_cli import Advisor, Run

TODAY = datetime.now(UTC).date().isoformat()
DEFAULT_NAME = f"ai-ownership-advisor-{TODAY}.pdf"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


@pytest.fixture
def advisor(tmp_path: Path) -> Advisor:
    return Advisor(tmp_path, f"sqlite:///{tmp_path / 'advisor.db'}")


@pytest.fixture(scope="module")
def diagnosed(
    knowledge: Knowledge, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Advisor, str]:
    """Alice took the whole diagnostic in the console (one SQLite file for the module's tests),
    and what its summary recommended."""
    folder = tmp_path_factory.mktemp("alice")
    advisor = Advisor(folder, f"sqlite:///{folder / 'advisor.db'}")
    answers = "\n".join("1" for _ in knowledge.questions) + "\n"
    chat = advisor("chat", "--user", "alice", stdin=answers)
    assert chat.code == 0, chat.both
    summary = chat.flat[chat.flat.index(catalogue.SUMMARY_TITLE) :]
    named = [model.name for model in knowledge.models if model.name in summary[:200]]
    assert len(named) == 1, summary[:200]
    return advisor, named[0]


def report_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def written(run: Run, path: Path, shown: str | None = None) -> None:
    """The run wrote `path`, and said so (naming it as `shown`, by default its full path)."""
    assert run.code == 0, run.both
    said = catalogue.report_written(shown or str(path), path.stat().st_size)
    assert " ".join(run.out.split()) == said


def test_the_latest_console_result_as_a_pdf_here(
    diagnosed: tuple[Advisor, str], knowledge: Knowledge
) -> None:
    advisor, model = diagnosed
    run = advisor("report", "--user", "alice")
    path = advisor.cwd / DEFAULT_NAME
    written(run, path, DEFAULT_NAME)
    said = report_text(path)
    assert catalogue.recommended(model) in said
    assert TODAY in said
    assert knowledge.version in said


def test_output_names_the_file_or_the_folder(diagnosed: tuple[Advisor, str]) -> None:
    advisor, model = diagnosed
    chosen = advisor.cwd / "mine.pdf"
    written(advisor("report", "--user", "alice", "--output", str(chosen)), chosen)
    assert catalogue.recommended(model) in report_text(chosen)

    folder = advisor.cwd / "reports"
    folder.mkdir()
    inside = folder / DEFAULT_NAME
    written(advisor("report", "--user", "alice", "--output", str(folder)), inside)
    assert inside.read_bytes() == chosen.read_bytes(), "the same result, the same bytes"


def test_no_result_yet_says_to_chat_first(diagnosed: tuple[Advisor, str]) -> None:
    advisor, _ = diagnosed
    run = advisor("report", "--user", "bob")  # alice has one; bob has none
    assert run.code == 1
    assert run.out == ""
    assert " ".join(run.err.split()) == catalogue.NO_RESULT_FOR_REPORT
    assert "make chat" in run.err
    assert "advisor chat" in run.err


def test_no_database_yet_is_no_result_and_makes_no_database(advisor: Advisor) -> None:
    run = advisor("report")
    assert run.code == 1
    assert "make chat" in run.err
    assert list(advisor.cwd.iterdir()) == []


def test_a_half_finished_diagnostic_is_no_result(advisor: Advisor) -> None:
    chat = advisor("chat", "--user", "carol", stdin="1\n2\n")
    assert chat.code == 0, chat.both
    run = advisor("report", "--user", "carol")
    assert run.code == 1
    assert "make chat" in run.err


def test_an_unwritable_output_is_one_line_and_exit_2(diagnosed: tuple[Advisor, str]) -> None:
    advisor, _ = diagnosed
    target = advisor.cwd / "missing" / "report.pdf"
    run = advisor("report", "--user", "alice", "--output", str(target))
    assert run.code == 2
    assert run.out == ""
    expected = catalogue.report_not_written(
        str(target), "No such file or directory", hint=catalogue.OUTPUT_HINT
    )
    assert " ".join(run.err.split()) == f"error: {expected}"
    assert not target.exists()
