"""The terminal front end in process: the real service and engine over a real repository, a
scripted reader, and a rich Console writing into a string."""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from bot.engine.index import index_for
from bot.engine.summary import build_summary
from bot.handlers.console import ReadLine, run_console, stdin_reader
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from bot.service import AdvisorService
from bot.views import catalogue
from storage.conversations import ConversationKey
from storage.memory import MemoryStorage
from storage.migrate import upgrade
from storage.sql import SqlStorage

KEY = ConversationKey("console", "local", "tester")
WIDTH = 100


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(default_knowledge_dir())


def scripted(lines: Iterable[str]) -> ReadLine:
    """A reader that types `lines` one by one, then reports the end of input."""
    pending = iter(lines)
    return lambda: next(pending, None)


def make_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=WIDTH), buffer


def flat(text: str) -> str:
    """The output with panel borders and rich's line wrapping undone, for phrase checks."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def words(text: str) -> str:
    return " ".join(text.split())


async def chat(knowledge: Knowledge, lines: Iterable[str]) -> str:
    """Run one console session from the start on a fresh in-memory repository."""
    service = AdvisorService(MemoryStorage().conversations, lambda: knowledge)
    console, buffer = make_console()
    await run_console(service, KEY, scripted(lines), console)
    output = buffer.getvalue()
    assert "Traceback" not in output
    assert "something went wrong" not in output, output
    return output


def option_line(number: int, label: str) -> str:
    return f"{number}) {'abcdefghij'[number - 1]}. {label}"


# --- questions, answers, clarification -------------------------------------------------------


async def test_first_question_panel(knowledge: Knowledge) -> None:
    output = await chat(knowledge, [])
    first = knowledge.questions[0]
    dimension = knowledge.dimension(first.dimension)
    assert dimension is not None
    total = len(knowledge.questions)
    assert f"{total} short questions" in flat(output)
    assert f"Question 1 of {total} · {dimension.name}" in output
    assert first.prompt in output
    for number, option in enumerate(first.options, 1):
        assert option_line(number, option.label) in output
    assert "skip · why · help" in output
    assert "…or type a number, a letter or your own words." in output
    assert "back ·" not in output, "nothing to go back to on the first question"
    assert output.rstrip().endswith("run `make chat` (or `.venv/bin/advisor chat`) to pick it up.")
    assert max(len(line) for line in output.splitlines()) <= WIDTH


async def test_acknowledgement_echoes_a_snippet(knowledge: Knowledge) -> None:
    first, second = knowledge.questions[0], knowledge.questions[1]
    output = await chat(knowledge, ["1"])
    dimension = knowledge.dimension(first.dimension)
    assert dimension is not None
    assert f"✓ {dimension.name}: {first.options[0].label}" in output
    echo = index_for(knowledge).echo(first.id, first.options[0].id)
    assert echo is not None, "the bundled knowledge gives every first option an echo"
    source = knowledge.source(echo.source)
    assert source is not None
    assert f"↳ {words(echo.text)}" in flat(output)
    assert f"— {source.title}" in flat(output)
    assert f"Question 2 of {len(knowledge.questions)}" in output
    assert second.prompt in output
    assert "back · skip · why · help" in output


async def test_skip_and_free_text_answers(knowledge: Knowledge) -> None:
    first = knowledge.questions[0]
    reporting = knowledge.question("reporting_line")
    assert reporting is not None
    skips = ["skip"] * knowledge.questions.index(reporting)
    output = await chat(knowledge, [*skips, "not IT, the business should drive it"])
    dimension = knowledge.dimension(first.dimension)
    assert dimension is not None
    assert f"↷ Skipped: {dimension.name}" in output
    business = reporting.option("business")
    assert business is not None
    assert f": {business.label}" in output


async def test_clarification_when_unsure_and_when_lost(knowledge: Knowledge) -> None:
    reporting = knowledge.question("reporting_line")
    assert reporting is not None
    ambiguous = "the CIO or a business leader"
    match = index_for(knowledge).matchers[reporting.id].match(ambiguous)
    assert match.chosen is None
    assert len(match.candidates) >= 2, "the example must stay ambiguous"
    skips = ["skip"] * knowledge.questions.index(reporting)
    output = await chat(knowledge, [*skips, ambiguous, "zzqx vbnm"])
    unsure = output.index("I'm not sure which you meant. Is it one of these?")
    lost = output.index("I couldn't match that to an option. Which comes closest?")
    assert unsure < lost
    offered = output[unsure:lost]
    numbers = {option.id: n for n, option in enumerate(reporting.options, 1)}
    for option in reporting.options:
        line = option_line(numbers[option.id], option.label)
        assert (line in offered) == (option.id in match.candidates), line
    for number, option in enumerate(reporting.options, 1):
        assert option_line(number, option.label) in output[lost:]


# --- the summary ------------------------------------------------------------------------------


async def test_summary_panel(knowledge: Knowledge) -> None:
    choices = [i % len(q.options) for i, q in enumerate(knowledge.questions)]
    output = await chat(knowledge, [str(choice + 1) for choice in choices])
    answers = {q.id: q.options[c].id for q, c in zip(knowledge.questions, choices, strict=True)}
    expected = build_summary(answers, index_for(knowledge), datetime.now(UTC))
    # The example must show every section.
    assert expected.other_view is not None
    assert expected.runner_up is not None
    assert expected.why

    assert "Your AI ownership summary" in output
    panel = flat(output[output.index("Your AI ownership summary") :])
    assert panel.startswith(f"Your AI ownership summary Recommended: {expected.recommended.name}")
    assert words(expected.clarity_text) in panel
    for score in expected.scores:
        assert re.search(rf"{re.escape(score.model.name)} [█░]+ {round(100 * score.score)}%", panel)
    assert "Your answers, dimension by dimension" in panel
    why = panel.index(" Why ")
    assert expected.other_view_for is not None
    other = panel.index(f"The other view ({expected.other_view_for.name})")
    steps = panel.index("Your plan")
    assert why < other < steps
    for snippet in expected.why:
        assert words(snippet.text) in panel[why:other]
    assert words(expected.other_view.text) in panel[other:steps]
    for number, step in enumerate(expected.plan, 1):
        assert (
            f"{number}. {words(catalogue.by_days(step.horizon))}: {words(step.text)}"
            in panel[steps:]
        )
    assert f"{len(knowledge.questions)} answered, 0 skipped" in panel
    assert knowledge.version not in panel  # the stored result keeps it, not the chat
    # The recommendation again at the end, for whoever scrolled past it.
    assert panel.rstrip().rfind(f"Recommended: {expected.recommended.name}") > panel.find(
        "Your plan"
    )


async def test_help(knowledge: Knowledge) -> None:
    output = await chat(knowledge, ["help"])
    assert "I help you decide who should own AI work" in flat(output)
    for command in ("start", "back", "skip", "why", "ask <question>", "restart", "cancel", "quit"):
        assert re.search(rf"^\s+{re.escape(command)}\s{{2,}}\S", output, re.MULTILINE), command
    # help in the middle of the diagnostic shows the open question again
    assert output.count(f"Question 1 of {len(knowledge.questions)}") == 2


async def test_why_and_ask(knowledge: Knowledge) -> None:
    first = knowledge.questions[0]
    output = await chat(knowledge, ["why", "ask how should we measure AI success?"])
    assert f"Why we ask: {words(first.why)}" in flat(output)
    for snippet_id in first.snippets:
        snippet = knowledge.snippet(snippet_id)
        assert snippet is not None
        assert words(snippet.text) in flat(output)
    assert "From the articles:" in output
    assert re.search(r"^\s+1\. ", output[output.index("From the articles:") :], re.MULTILINE)


async def test_a_question_about_an_option_is_explained(knowledge: Knowledge) -> None:
    option = knowledge.questions[0].options[0]
    output = flat(await chat(knowledge, ["what does 'at scale' mean?"]))
    assert option.description is not None
    assert f"a) {option.label}: {words(option.description)}" in output
    # Nothing was recorded: the same first question is shown again after the explanation.
    assert output.count(knowledge.questions[0].prompt) == 2


# --- nothing the user types is read as markup ------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["[bold red]hi[/]", "[link=x]click[/link]", "[/]", "ask [link=x] who owns AI?"]
)
async def test_markup_in_user_text_is_literal(
    knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{typed}\n"))
    service = AdvisorService(MemoryStorage().conversations, lambda: knowledge)
    console, buffer = make_console()
    await run_console(service, KEY, stdin_reader(console, interactive=False), console)
    output = buffer.getvalue()
    assert f"> {typed}" in output
    assert "Traceback" not in output
    assert "something went wrong" not in output


async def test_markup_in_the_knowledge_is_literal(knowledge: Knowledge, tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), folder)
    first = knowledge.questions[0]
    dimension = knowledge.dimension(first.dimension)
    assert dimension is not None
    for name, old, new in [
        ("dimensions.yml", dimension.name, f"[red]{dimension.name}[/red]"),
        ("questions.yml", first.options[0].label, f"[link=x]{first.options[0].label}[/]"),
    ]:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    edited = load_knowledge(folder)
    output = await chat(edited, ["1"])
    assert f"Question 1 of {len(edited.questions)} · [red]{dimension.name}[/red]" in output
    assert option_line(1, f"[link=x]{first.options[0].label}[/]") in output
    assert f"✓ [red]{dimension.name}[/red]: [link=x]{first.options[0].label}[/]" in output


# --- a real SQLite file -----------------------------------------------------------------------


async def test_resume_from_a_sqlite_file(knowledge: Knowledge, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    await upgrade(url)
    total = len(knowledge.questions)

    repository = SqlStorage.from_url(url)
    try:
        service = AdvisorService(repository.conversations, lambda: knowledge)
        console, buffer = make_console()
        await run_console(service, KEY, scripted(["1", "2", "quit", "3"]), console)
        assert f"Question 3 of {total}" in buffer.getvalue()
    finally:
        await repository.close()

    repository = SqlStorage.from_url(url)
    try:
        service = AdvisorService(repository.conversations, lambda: knowledge)
        console, buffer = make_console()
        await run_console(service, KEY, scripted([]), console)
        output = buffer.getvalue()
    finally:
        await repository.close()
    assert f"Welcome back: 2 of {total} answered so far." in output
    assert f"Question 3 of {total}" in output
    assert "Question 1 of" not in output
