"""The `advisor` command, run for real: a subprocess per call, a SQLite file per test, the
bundled knowledge (or a broken copy of it) from disk."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge
from testing.fakes.knowledge_folder import ADDED_SNIPPET, add_snippet, copy_knowledge

BUNDLED = default_knowledge_dir()
TIMEOUT = 60
IGNORED_ENVIRONMENT = frozenset(
    {"DATABASE_URL", "KNOWLEDGE_DIR", "LOG_LEVEL", "DATABASE_POOL_SIZE", "COLUMNS", "LINES"}
)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err

    @property
    def flat(self) -> str:
        """stdout and stderr with rich's line wrapping and panel borders undone."""
        return " ".join(re.sub(r"[│╭╮╰╯─]", " ", self.both).split())


@dataclass(frozen=True)
class Advisor:
    cwd: Path
    database_url: str

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
        environment = {
            key: value for key, value in os.environ.items() if key not in IGNORED_ENVIRONMENT
        }
        # Output goes to pipes, as in CI or `advisor ... | grep`: rich then assumes 80 columns.
        environment.update({"DATABASE_URL": self.database_url, "PYTHONIOENCODING": "utf-8"})
        environment.update(env or {})
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.cwd,
            env=environment,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT,
            check=False,
        )
        run = Run(done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in run.both, run.both
        return run


@pytest.fixture
def advisor(tmp_path: Path) -> Advisor:
    return Advisor(tmp_path, f"sqlite:///{tmp_path / 'advisor.db'}")


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(BUNDLED)


def as_json(run: Run) -> Any:
    assert run.code == 0, run.both
    return json.loads(run.out)


# --- the entry point --------------------------------------------------------------------------


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("advisor")
    assert script.is_file(), f"no `advisor` script beside {sys.executable}"
    done = subprocess.run(
        [str(script), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for command in ("chat", "knowledge", "match", "ask", "db"):
        assert command in done.stdout


# --- knowledge check --------------------------------------------------------------------------


def test_knowledge_check_bundled(advisor: Advisor, knowledge: Knowledge) -> None:
    run = advisor("knowledge", "check", str(BUNDLED))
    assert run.code == 0, run.both
    assert run.out.startswith("OK ")
    assert f"{len(knowledge.sources)} sources" in run.flat
    assert f"{len(knowledge.models)} models" in run.flat
    assert f"{len(knowledge.questions)} questions" in run.flat
    assert f"{len(knowledge.snippets)} snippets" in run.flat
    assert f"version {knowledge.version}" in run.flat
    # A new admin's first check is clean: nothing to read past.
    assert run.out.rstrip().endswith("; no warnings")
    assert "warning" not in run.err


def test_knowledge_check_broken_copy(
    advisor: Advisor, tmp_path: Path, knowledge: Knowledge
) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(BUNDLED, folder)
    questions = folder / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    weight_at = text.index("weights: {it_led: 3}")
    questions.write_text(
        text[:weight_at] + "weights: {it_led: 7}" + text[weight_at + 20 :], encoding="utf-8"
    )
    models = folder / "models.yml"
    models_text = models.read_text(encoding="utf-8")
    models.write_text(
        models_text.replace("sources: [it-must-lead]", "sources: [nope]", 1), encoding="utf-8"
    )
    weight_line = text.count("\n", 0, weight_at) + 1
    source_line = models_text.count("\n", 0, models_text.index("sources: [it-must-lead]")) + 1

    run = advisor("knowledge", "check", str(folder))
    assert run.code == 1, run.both
    assert "2 problem(s)" in run.err
    # One problem per line, whole, so editors and grep can jump to `file:line`.
    lines = run.err.splitlines()
    assert lines[1:] == [
        f"{models}:{source_line}: unknown source 'nope'",
        f"{questions}:{weight_line}: question '{knowledge.questions[0].id}': "
        "options.0.weights.it_led: Input should be less than or equal to 3",
    ]


def test_knowledge_check_missing_folder(advisor: Advisor, tmp_path: Path) -> None:
    run = advisor("knowledge", "check", str(tmp_path / "nowhere"))
    assert run.code == 1
    assert "not found" in run.err


def test_knowledge_check_counts_warnings_and_lists_them_when_asked(
    advisor: Advisor, tmp_path: Path
) -> None:
    """Warnings never fail the check (exit 0): one line counts them by kind; `--warnings`
    lists each with its file:line, then the same count."""
    folder = copy_knowledge(tmp_path / "knowledge")
    add_snippet(folder)  # a snippet no question links to
    questions = folder / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    anchor = '          - "scale"\n'
    at = text.index(anchor) + len(anchor)
    positional = '          - "the last one"\n'  # read as option 4, never by its words
    questions.write_text(text[:at] + positional + text[at:], encoding="utf-8")
    positional_line = text.count("\n", 0, at) + 1
    count = "2 warnings: 1 synonym read as a position, 1 unlinked snippet"

    run = advisor("knowledge", "check", str(folder))
    assert run.code == 0, run.both
    assert run.out.startswith("OK ")
    assert "warning" not in run.out
    assert run.err.splitlines() == [f"{count}; run with --warnings to list them"]

    listed = advisor("knowledge", "check", "--warnings", str(folder))
    assert listed.code == 0, listed.both
    assert listed.out == run.out
    assert listed.err.splitlines() == [
        f"{questions}:{positional_line}: warning: question 'mandate': synonym \"the last one\" "
        "of option 'platform' is read as option 4 by position, never by its words",
        f"{folder / 'snippets' / '999_added.yml'}:2: warning: snippet '{ADDED_SNIPPET}' is not "
        "linked from any question's `snippets`; `why` never shows it (`ask`, acknowledgements "
        "and the summary still can); link it, or mark it `ask_only: true` if it is background "
        "for `ask`",
        count,
    ]


def test_knowledge_check_lists_errors_in_full_with_or_without_warnings(
    advisor: Advisor, tmp_path: Path
) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    add_snippet(folder)  # a warning, which errors leave unreported
    models = folder / "models.yml"
    text = models.read_text(encoding="utf-8")
    models.write_text(
        text.replace("sources: [it-must-lead]", "sources: [nope]", 1), encoding="utf-8"
    )
    line = text.count("\n", 0, text.index("sources: [it-must-lead]")) + 1
    for flags in ((), ("--warnings",)):
        run = advisor("knowledge", "check", *flags, str(folder))
        assert run.code == 1, run.both
        assert run.out == ""
        assert run.err.splitlines() == [
            "knowledge has 1 problem(s):",
            f"{models}:{line}: unknown source 'nope'",
        ]


def test_knowledge_test_reports_accuracy_and_misses(advisor: Advisor, tmp_path: Path) -> None:
    run = advisor("knowledge", "test", "--knowledge", str(BUNDLED))
    assert run.code == 0, run.both
    assert "answers understood as expected" in run.out
    strict = advisor("knowledge", "test", "--knowledge", str(BUNDLED), "--fail-under", "100")
    assert strict.code == 1
    bad = tmp_path / "answers.yml"
    bad.write_text("- question: nowhere\n  answer: hi\n  expected: null\n", encoding="utf-8")
    broken = advisor("knowledge", "test", str(bad), "--knowledge", str(BUNDLED))
    assert broken.code == 1
    assert f"{bad}:1" in broken.both


def test_knowledge_test_by_kind_with_thresholds(advisor: Advisor, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    # Twenty answers, one of them labelled against what its position says: 5% wrong, the
    # paraphrase kind at 90%.
    cases = [("mandate", "ordinal", "1", "platform"), ("mandate", "off_topic", "lunch?", None)]
    cases += [("mandate", "paraphrase", "Run AI reliably and securely at scale", "platform")] * 9
    cases += [("mandate", "paraphrase", "2", "new_value")]
    cases += [("ai_maturity", "ordinal", "3", "some_live")] * 8
    answers.write_text(
        "".join(
            f"- question: {q}\n  kind: {kind}\n  answer: {text!r}\n"
            f"  expected: {expected or 'null'}\n"
            for q, kind, text, expected in cases
        ),
        encoding="utf-8",
    )
    dev = str(answers)
    run = advisor("knowledge", "test", dev, "--knowledge", str(BUNDLED))
    assert run.code == 0, run.both
    assert "kind        answers understood  wrong asked back" in run.out
    assert "paraphrase" in run.out
    assert "off_topic" in run.out
    strict = advisor("knowledge", "test", dev, "--knowledge", str(BUNDLED), "--max-wrong", "0")
    assert strict.code == 1
    assert "above --max-wrong 0%" in strict.out
    by_kind = ("--fail-under-kind", "100")
    low = advisor("knowledge", "test", dev, "--knowledge", str(BUNDLED), *by_kind)
    assert low.code == 1
    assert "below --fail-under-kind 100%" in low.out
    bad = advisor("knowledge", "test", dev, "--knowledge", str(BUNDLED), "--max-wrong", "101")
    assert bad.code != 0
    assert "--max-wrong must be a percentage" in bad.err


def test_knowledge_reload_says_what_is_missing(advisor: Advisor) -> None:
    run = advisor("knowledge", "reload", env={"ADMIN_TOKEN": ""})
    assert run.code == 2
    assert "ADMIN_TOKEN" in run.err
    nowhere = advisor(
        "knowledge", "reload", "--url", "http://127.0.0.1:9", env={"ADMIN_TOKEN": "t" * 32}
    )
    assert nowhere.code == 2
    assert "Traceback" not in nowhere.both


# --- match ------------------------------------------------------------------------------------


def test_match_free_text_with_negation(advisor: Advisor, knowledge: Knowledge) -> None:
    question = knowledge.question("reporting_line")
    assert question is not None
    it_option = next(o for o in question.options if "IT" in o.synonyms)
    result = as_json(advisor("match", "reporting_line", "not IT, the business should drive it"))
    assert result["question_id"] == "reporting_line"
    assert result["option_id"] is not None
    assert result["option_id"] != it_option.id
    assert result["option_id"] == "business"
    assert isinstance(result["score"], float)
    assert result["by_position"] is False
    runner_ids = {r["option_id"] for r in result["runners_up"]}
    assert runner_ids == {o.id for o in question.options} - {result["option_id"]}
    assert all(r["score"] <= result["score"] for r in result["runners_up"])
    assert result["clarify_with"] == []
    assert result["snippets"], "a free-text answer finds related snippets"
    for snippet in result["snippets"]:
        known = knowledge.snippet(snippet["id"])
        assert known is not None
        assert snippet["source"]["id"] == known.source
        assert snippet["source"]["title"]
    assert result["knowledge_version"] == knowledge.version


@pytest.mark.parametrize("answer", ["2", "b", "the second one"])
def test_match_by_position(advisor: Advisor, knowledge: Knowledge, answer: str) -> None:
    question = knowledge.questions[0]
    result = as_json(advisor("match", question.id, answer))
    assert result["option_id"] == question.options[1].id
    assert result["label"] == question.options[1].label
    assert result["by_position"] is True
    assert result["score"] == 100.0


def test_match_unknown_question(advisor: Advisor, knowledge: Knowledge) -> None:
    run = advisor("match", "no_such_question", "whatever")
    assert run.code == 2
    assert "unknown question 'no_such_question'" in run.flat
    for question in knowledge.questions:
        assert question.id in run.flat


def test_match_unsure_and_unknown(advisor: Advisor) -> None:
    ambiguous = as_json(advisor("match", "reporting_line", "the CIO or a business leader"))
    assert ambiguous["option_id"] is None
    assert ambiguous["score"] is None
    assert len(ambiguous["clarify_with"]) >= 2

    nothing = as_json(advisor("match", "reporting_line", "banana smoothie"))
    assert nothing["option_id"] is None
    assert nothing["clarify_with"] == []
    assert len(nothing["runners_up"]) == 4


# --- ask --------------------------------------------------------------------------------------


def test_ask_plain_and_json(advisor: Advisor, knowledge: Knowledge) -> None:
    plain = advisor("ask", "how should we measure AI success?")
    assert plain.code == 0, plain.both
    assert plain.out.startswith("1. ")
    assert "3. " in plain.out
    assert any(source.title in plain.flat for source in knowledge.sources)

    payload = as_json(advisor("ask", "who should own the AI budget?", "--json", "--limit", "2"))
    assert payload["query"] == "who should own the AI budget?"
    assert 1 <= len(payload["snippets"]) <= 2
    assert payload["knowledge_version"] == knowledge.version
    scores = [s["score"] for s in payload["snippets"]]
    assert scores == sorted(scores, reverse=True)
    for snippet in payload["snippets"]:
        assert knowledge.snippet(snippet["id"]) is not None
        assert snippet["source"]["id"]


def test_ask_limit_zero_is_a_usage_error(advisor: Advisor) -> None:
    run = advisor("ask", "anything", "--limit", "0")
    assert run.code == 2
    assert "--limit" in run.err
    assert run.out == ""


# --- db ---------------------------------------------------------------------------------------


def test_db_upgrade_then_current(advisor: Advisor, tmp_path: Path) -> None:
    upgraded = advisor("db", "upgrade")
    assert upgraded.code == 0, upgraded.both
    match = re.search(r"database at revision (\S+)", upgraded.out)
    assert match, upgraded.out
    assert (tmp_path / "advisor.db").is_file()
    current = advisor("db", "current")
    assert current.code == 0, current.both
    assert current.out.strip() == match.group(1)


def test_bad_database_url_hides_the_password(advisor: Advisor) -> None:
    run = advisor("db", "current", env={"DATABASE_URL": "mysql://admin:Sup3rS3cret@db/advisor"})
    assert run.code == 2
    assert "Sup3rS3cret" not in run.both
    assert "error:" in run.err
    assert "sqlite:///" in run.flat
    assert "postgresql://" in run.flat


# --- chat -------------------------------------------------------------------------------------


def test_chat_full_diagnostic_then_welcome_back(advisor: Advisor, knowledge: Knowledge) -> None:
    answers = "\n".join("1" for _ in knowledge.questions) + "\n"
    first = advisor("chat", "--user", "alice", stdin=answers)
    assert first.code == 0, first.both
    assert f"Question 1 of {len(knowledge.questions)}" in first.flat
    assert "Your AI ownership summary" in first.out
    summary = first.flat[first.flat.index("Your AI ownership summary") :]
    names = [model.name for model in knowledge.models if model.name in summary]
    assert names, "the summary names a model"
    assert "Your plan" in summary
    assert knowledge.version not in summary

    again = advisor("chat", "--user", "alice", stdin="")
    assert again.code == 0, again.both
    assert "Welcome back" in again.out
    assert "Your last result" in again.flat
    assert "Question 1 of" not in again.flat, "a finished diagnostic is not started over"

    other = advisor("chat", "--user", "bob", stdin="")
    assert "Welcome back" not in other.out
    assert "Question 1 of" in other.flat


def test_chat_resumes_a_half_finished_run(advisor: Advisor, knowledge: Knowledge) -> None:
    total = len(knowledge.questions)
    first = advisor("chat", "--user", "carol", stdin="1\n2\n3\n")
    assert first.code == 0, first.both
    assert f"Question 4 of {total}" in first.flat
    assert "progress is saved" in first.flat

    second = advisor("chat", "--user", "carol", stdin="")
    assert second.code == 0, second.both
    assert f"Welcome back: 3 of {total} answered" in second.flat
    assert f"Question 4 of {total}" in second.flat
    assert knowledge.questions[3].prompt in second.flat
    assert "Question 1 of" not in second.flat


def test_chat_commands(advisor: Advisor, knowledge: Knowledge) -> None:
    script = [
        "1",
        "help",
        "why",
        "back",
        "skip",
        "ask who should own the AI budget?",
        "[bold red]hi[/]",
        "summary",
        "cancel",
        "why",
        "quit",
        "this line is never read",
    ]
    run = advisor("chat", "--user", "dave", stdin="\n".join(script) + "\n")
    assert run.code == 0, run.both
    flat = run.flat
    second = knowledge.questions[1]
    first_dimension = knowledge.dimension(knowledge.questions[0].dimension)
    assert first_dimension is not None
    assert "leave the console" in flat  # help
    assert "ask <question>" in flat
    assert f"Why we ask: {' '.join(second.why.split())}" in flat  # why, on question 2
    assert "Going back one question." in flat  # back
    assert f"Skipped: {first_dimension.name}" in flat  # skip, after going back to question 1
    assert "From the articles:" in flat  # ask
    assert "> [bold red]hi[/]" in flat  # the echo of the typed line, literally
    assert "I couldn't match that to an option" in flat
    assert "Your result appears once the diagnostic is done" in flat  # summary too early
    assert "Cancelled" in flat  # cancel
    assert "there is none open" in flat  # why after cancel
    assert flat.rstrip().endswith("to pick it up.")
    assert "make chat" in flat
    assert "this line is never read" not in flat


def test_ctrl_c_in_chat_quits_at_once_with_progress_saved(advisor: Advisor) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in IGNORED_ENVIRONMENT}
    environment.update({"DATABASE_URL": advisor.database_url, "PYTHONIOENCODING": "utf-8"})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--user", "erin"],
        cwd=advisor.cwd,
        env=environment,
        stdin=subprocess.PIPE,  # kept open: the chat waits for a line that never comes
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        while "Question 1 of" not in first:
            first = process.stdout.readline()
            assert first, "the chat ended before its first question"
        time.sleep(0.3)  # the first question is drawn; the chat now waits for input
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=5)  # at once, not at the next Enter
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "progress is saved" in out
    assert "Traceback" not in out + err


def test_output_piped_into_a_reader_that_stops_early_is_no_error(
    advisor: Advisor, tmp_path: Path
) -> None:
    # Two thousand misses: far more output than the pipe holds, written line by line.
    answers = tmp_path / "many.yml"
    case = '- question: mandate\n  answer: "1"\n  expected: pain_points\n'
    answers.write_text(case * 2000, encoding="utf-8")
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: a small pipe, so the writer must wait
    environment = {k: v for k, v in os.environ.items() if k not in IGNORED_ENVIRONMENT}
    environment.update({"DATABASE_URL": advisor.database_url, "PYTHONIOENCODING": "utf-8"})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "knowledge",
            "test",
            str(answers),
            "--knowledge",
            str(BUNDLED),
        ],
        cwd=advisor.cwd,
        env=environment,
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read(100)  # like `| head -c 100`, then the reader goes away
    _, err = process.communicate(timeout=TIMEOUT)
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert process.returncode in (0, 1), err  # 1: the misses, as without a pipe


@pytest.mark.parametrize("command", [("db", "current"), ("db", "upgrade"), ("chat",)])
def test_an_unreachable_database_is_one_line_and_exit_2(
    advisor: Advisor, command: tuple[str, ...]
) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"postgresql+asyncpg://someone:hunter2@127.0.0.1:{port}/nowhere"
    run = advisor(*command, stdin="quit\n", env={"DATABASE_URL": url})
    assert run.code == 2
    assert run.err.startswith("error: cannot use the database at")
    assert "DATABASE_URL" in run.err
    assert "hunter2" not in run.both
    assert len(run.err.strip().splitlines()) == 1


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(advisor: Advisor) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        run = advisor("serve", "--dev", "--host", "127.0.0.1", "--port", port)
    assert run.code == 2
    assert f"cannot listen on port {port}" in run.err
    assert "AI Ownership Advisor on" not in run.err  # not announced before it failed


def test_serve_checks_the_app_id_as_the_teams_package_does(advisor: Advisor) -> None:
    env = {"MICROSOFT_APP_ID": "my-bot", "MICROSOFT_APP_PASSWORD": "p" * 20}
    run = advisor("serve", "--host", "127.0.0.1", "--port", "9", env=env)
    assert run.code == 2
    assert "MICROSOFT_APP_ID must be a GUID" in run.err
    package = advisor("teams", "package", "--out", str(advisor.cwd), env=env)
    assert package.code == 2
    assert "must be a GUID" in package.err


def test_help_names_both_platforms_for_serve(advisor: Advisor) -> None:
    run = advisor("--help")
    assert "Teams at /api/messages" in run.flat
