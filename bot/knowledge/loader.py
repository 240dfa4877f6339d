"""Load the knowledge folder, validate all of it, and build an immutable `Knowledge`.

Every problem is collected (not just the first) and reported as `file:line: message`, because an
admin fixing a broken edit wants the whole list at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.knowledge.model import (
    AnswerStep,
    Dimension,
    ExampleAnswers,
    Knowledge,
    NotAnswers,
    OwnershipModel,
    Question,
    Snippet,
    Source,
    Stage,
    Tension,
)
from bot.knowledge.yaml_lines import ParsedYaml, YamlSyntaxError, parse

ENTRY_TYPES: dict[str, type[BaseModel]] = {
    "sources": Source,
    "models": OwnershipModel,
    "dimensions": Dimension,
    "questions": Question,
    "snippets": Snippet,
    "examples": ExampleAnswers,
    "not_answers": NotAnswers,
    "stages": Stage,
    "tensions": Tension,
    "steps": AnswerStep,
}
# Kinds whose entries have no id of their own (an `examples` entry belongs to a question).
_WITHOUT_IDS = {"examples", "not_answers"}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder cannot be loaded; `problems` says where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Located:
    """A validated entry and where it was written."""

    entry: Any
    file: str
    line: int
    parsed: ParsedYaml
    path: tuple[str | int, ...]

    def line_of(self, *sub: str | int) -> int:
        return self.parsed.line_of((*self.path, *sub))


# A top-level folder of the knowledge that holds no knowledge: the example answers that
# `advisor knowledge test` runs through the matcher (they are checked against the knowledge,
# not part of it, and editing them must not change its version).
TESTS_FOLDER = "tests"


def knowledge_files(directory: Path) -> list[Path]:
    """Every YAML file of the knowledge folder, its subfolders included, but `tests/`."""
    files = [*directory.rglob("*.yml"), *directory.rglob("*.yaml")]
    return sorted(
        path
        for path in files
        if path.is_file() and path.relative_to(directory).parts[0] != TESTS_FOLDER
    )


def content_version(directory: Path, files: Iterable[Path]) -> str:
    """A short hash of every file's relative path and bytes: same content, same version."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


# Limits on what a knowledge folder may hold (the bundled one is about 0.5 MB): a 20 MB file
# would be parsed, kept in memory and copied into the database on every reload.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024


def checked_knowledge_files(directory: Path) -> list[Path]:
    """`knowledge_files(directory)`; KnowledgeError when the folder or its files are missing,
    or when they hold more than MAX_TOTAL_BYTES in all."""
    if not directory.is_dir():
        raise KnowledgeError([Problem(str(directory), 1, "knowledge folder not found")])
    files = knowledge_files(directory)
    if not files:
        raise KnowledgeError([Problem(str(directory), 1, "no .yml files in the folder")])
    total = sum(path.stat().st_size for path in files)
    if total > MAX_TOTAL_BYTES:
        message = f"its files hold {total:,} bytes; at most {MAX_TOTAL_BYTES:,} in all"
        raise KnowledgeError([Problem(str(directory), 1, message)])
    return files


def load_knowledge(directory: Path) -> Knowledge:
    """Load and validate `directory`. Raises KnowledgeError listing every problem."""
    return load_located(directory)[0]


def load_located(directory: Path) -> tuple[Knowledge, dict[str, list[Located]]]:
    """`load_knowledge(directory)`, and every entry of it with where it is written, by kind."""
    files = checked_knowledge_files(directory)
    problems: list[Problem] = []
    entries: dict[str, list[Located]] = {kind: [] for kind in ENTRY_TYPES}
    invalid_ids: dict[str, set[str]] = {kind: set() for kind in ENTRY_TYPES}
    unreadable = 0
    for path in files:
        unreadable += not _read_file(path, entries, invalid_ids, problems)
    references = check_references(entries, invalid_ids)
    missing = {kind for kind in REQUIRED_KINDS if not entries[kind] and not invalid_ids[kind]}
    if unreadable or missing:
        # A file that cannot be read hides its entries, and an empty or missing file has
        # none. When a whole kind went missing, every reference to that kind would be
        # reported: keep the one real mistake visible instead of burying it under that cascade.
        gone = {kind.removesuffix("s") for kind, items in entries.items() if not items}
        # With a file unreadable, its own error says it all; else "no X defined" stays.
        references = [
            p
            for p in references
            if not _refers_to(p, gone) or (p.file == _NOWHERE and not unreadable)
        ]
        references = [_where_kind_belongs(p, directory) for p in references]
    problems.extend(references)
    if problems:
        raise KnowledgeError(problems)
    knowledge = Knowledge(
        version=content_version(directory, files),
        sources=tuple(item.entry for item in entries["sources"]),
        models=tuple(item.entry for item in entries["models"]),
        dimensions=tuple(item.entry for item in entries["dimensions"]),
        questions=tuple(item.entry for item in entries["questions"]),
        snippets=tuple(item.entry for item in entries["snippets"]),
        examples=tuple(item.entry for item in entries["examples"]),
        not_answers=tuple(item.entry for item in entries["not_answers"]),
        stages=tuple(item.entry for item in entries["stages"]),
        tensions=tuple(item.entry for item in entries["tensions"]),
        steps=tuple(item.entry for item in entries["steps"]),
    )
    return knowledge, entries


# The kinds a knowledge folder cannot do without, and where their problems are reported when
# no file holds any of them.
REQUIRED_KINDS = ("sources", "models", "dimensions", "questions", "snippets")
_NOWHERE = "(knowledge)"


def _where_kind_belongs(problem: Problem, directory: Path) -> Problem:
    """ "no models defined" at the file where models belong: `models.yml`, empty or missing."""
    if problem.file != _NOWHERE or not problem.message.startswith("no "):
        return problem
    kind = problem.message.split()[1]
    file = directory / f"{kind}.yml"
    if file.is_file():
        return Problem(str(file), 1, f"no {kind} defined: the file holds none")
    return Problem(str(file), 1, f"no {kind} defined: {file.name} is missing")


def _refers_to(problem: Problem, kinds: set[str]) -> bool:
    return any(problem.message.startswith(f"unknown {kind} ") for kind in kinds) or (
        problem.message.startswith("no ") or "unreachable" in problem.message
    )


def _read_file(
    path: Path,
    entries: dict[str, list[Located]],
    invalid_ids: dict[str, set[str]],
    problems: list[Problem],
) -> bool:
    """Validate every entry of one file; False when the file cannot be read as YAML at all."""
    name = str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        message = f"{size:,} bytes; a knowledge file may hold at most {MAX_FILE_BYTES:,}"
        problems.append(Problem(name, 1, message))
        return False
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(name, line, f"not UTF-8 text (byte {error.start + 1})"))
        return False
    try:
        parsed = parse(text)
    except YamlSyntaxError as error:
        problems.append(Problem(name, error.line, error.message))
        return False
    for key, line in parsed.duplicate_keys:
        problems.append(Problem(name, line, f"duplicate key '{key}'"))
    if parsed.data is None:
        return True
    if not isinstance(parsed.data, dict):
        problems.append(Problem(name, 1, f"expected a mapping with keys {_kinds()}"))
        return False
    for kind, items in parsed.data.items():
        line = parsed.line_of((kind,))
        if kind not in ENTRY_TYPES:
            problems.append(Problem(name, line, f"unknown key '{kind}' (expected {_kinds()})"))
        elif not isinstance(items, list):
            problems.append(Problem(name, line, f"'{kind}' must be a list"))
        else:
            for index, raw in enumerate(items):
                located = _validate(name, parsed, kind, index, raw, problems)
                if located is not None:
                    entries[kind].append(located)
                elif isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    # Already reported; references to it should not be reported again.
                    invalid_ids[kind].add(raw["id"])
    return True


def _validate(
    name: str, parsed: ParsedYaml, kind: str, index: int, raw: Any, problems: list[Problem]
) -> Located | None:
    path: tuple[str | int, ...] = (kind, index)
    label = _entry_label(kind, index, raw)
    try:
        entry = ENTRY_TYPES[kind].model_validate(raw)
    except ValidationError as error:
        for detail in error.errors():
            loc = tuple(detail["loc"])
            where = ".".join(str(part) for part in loc)
            message = f"{label}: {where + ': ' if where else ''}{detail['msg']}"
            problems.append(Problem(name, parsed.line_of((*path, *loc)), message))
        return None
    return Located(entry, name, parsed.line_of(path), parsed, path)


def _entry_label(kind: str, index: int, raw: Any) -> str:
    singular = kind.removesuffix("s")
    if kind == "examples" and isinstance(raw, dict) and isinstance(raw.get("question"), str):
        return f"examples of '{raw['question']}'"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"{singular} '{raw['id']}'"
    return f"{singular} #{index + 1}"


def _kinds() -> str:
    return ", ".join(ENTRY_TYPES)


def check_references(
    entries: dict[str, list[Located]], invalid_ids: dict[str, set[str]] | None = None
) -> list[Problem]:
    """Cross-entry rules: unique ids, resolvable references, reachable models. Ids of entries
    that failed validation (`invalid_ids`) count as existing, to avoid cascades."""
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for kind, items in entries.items():
        if kind in _WITHOUT_IDS:
            continue
        ids[kind] = _unique_ids(kind, items, problems) | (invalid_ids or {}).get(kind, set())
    for kind in REQUIRED_KINDS:
        if not entries[kind] and not problems:
            problems.append(Problem(_NOWHERE, 1, f"no {kind} defined"))

    def require(item: Located, kind: str, ref: str, *path: str | int) -> None:
        if ref not in ids[kind]:
            what = kind.removesuffix("s")
            problems.append(Problem(item.file, item.line_of(*path), f"unknown {what} '{ref}'"))

    for item in entries["models"]:
        for i, source in enumerate(item.entry.sources):
            require(item, "sources", source, "sources", i)
    for item in entries["snippets"]:
        require(item, "sources", item.entry.source, "source")
        for i, dimension in enumerate(item.entry.dimensions):
            require(item, "dimensions", dimension, "dimensions", i)
        for i, model in enumerate(item.entry.models):
            require(item, "models", model, "models", i)
    ask_only = {item.entry.id for item in entries["snippets"] if item.entry.ask_only}
    for item in entries["questions"]:
        _check_question(item, require, ask_only, problems)
    problems.extend(_check_examples(entries, ids["questions"]))
    problems.extend(_check_advice(entries, ids, require))
    problems.extend(_unreachable_models(entries))
    return problems


def _check_advice(
    entries: dict[str, list[Located]], ids: dict[str, set[str]], require: Any
) -> list[Problem]:
    """Stages, tensions and answer steps name models, dimensions, and questions with their
    own options."""
    questions = {item.entry.id: item.entry for item in entries["questions"]}
    problems: list[Problem] = []

    def answers(item: Located, given: Any, field: str) -> None:
        for question_id, options in given.items():
            question = questions.get(question_id)
            if question is None:
                if question_id not in ids["questions"]:  # else: invalid, already reported
                    line = item.line_of(field, question_id)
                    message = f"unknown question '{question_id}'"
                    problems.append(Problem(item.file, line, message))
                continue
            for i, option_id in enumerate(options):
                if question.option(option_id) is None:
                    message = f"question '{question_id}' has no option '{option_id}'"
                    path = (field, question_id, i) if isinstance(options, tuple) else None
                    line = item.line_of(*(path or (field, question_id, option_id)))
                    problems.append(Problem(item.file, line, message))

    for item in entries["stages"]:
        stage: Stage = item.entry
        answers(item, stage.signals, "signals")
    for item in entries["steps"]:
        step: AnswerStep = item.entry
        answers(item, step.when, "when")
        for i, model in enumerate(step.models):
            require(item, "models", model, "models", i)
    for item in entries["tensions"]:
        tension: Tension = item.entry
        require(item, "models", tension.toward, "toward")
        for i, model in enumerate(tension.under):
            require(item, "models", model, "under", i)
            if model == tension.toward:
                message = f"under '{model}', the model the tension pulls toward"
                problems.append(Problem(item.file, item.line_of("under", i), message))
        for i, dimension in enumerate(tension.dimensions):
            require(item, "dimensions", dimension, "dimensions", i)
    return problems


def _unique_ids(kind: str, items: list[Located], problems: list[Problem]) -> set[str]:
    seen: dict[str, Located] = {}
    for item in items:
        first = seen.get(item.entry.id)
        if first is not None:
            message = (
                f"duplicate {kind.removesuffix('s')} id '{item.entry.id}' "
                f"(first defined at {first.file}:{first.line})"
            )
            problems.append(Problem(item.file, item.line_of("id"), message))
        else:
            seen[item.entry.id] = item
    return set(seen)


def _check_question(
    item: Located, require: Any, ask_only: set[str], problems: list[Problem]
) -> None:
    question: Question = item.entry
    require(item, "dimensions", question.dimension, "dimension")
    for i, snippet in enumerate(question.snippets):
        require(item, "snippets", snippet, "snippets", i)
        if snippet in ask_only:
            who = f"question '{question.id}' lists"
            problems.append(_ask_only_linked(item, who, snippet, "snippets", ("snippets", i)))
    seen: set[str] = set()
    for o, option in enumerate(question.options):
        if option.id in seen:
            message = f"duplicate option id '{option.id}' in question '{question.id}'"
            problems.append(Problem(item.file, item.line_of("options", o, "id"), message))
        seen.add(option.id)
        if not any(weight > 0 for weight in option.weights.values()):
            message = f"option '{option.id}' needs a weight above 0 toward some model"
            problems.append(Problem(item.file, item.line_of("options", o, "weights"), message))
        for model in option.weights:
            require(item, "models", model, "options", o, "weights", model)
        _check_option_links(item, o, require, ask_only, problems)


def _ask_only_linked(
    item: Located, who: str, snippet: str, field: str, path: tuple[str | int, ...]
) -> Problem:
    """A question's `snippets` or an option's `basis` naming a snippet marked as background
    for `ask`: one of the two is a mistake, and only the admin knows which."""
    message = (
        f"{who} snippet '{snippet}' in `{field}`, but that snippet is `ask_only: true`; "
        "remove the link or the snippet's `ask_only`"
    )
    return Problem(item.file, item.line_of(*path), message)


def _check_option_links(
    item: Located, o: int, require: Any, ask_only: set[str], problems: list[Problem]
) -> None:
    """`opposite` and `combines` name other options of the question; `basis` names snippets
    (none of them `ask_only`) for models the option weighs; `days` is a range."""
    question: Question = item.entry
    option = question.options[o]
    others = {other.id for other in question.options} - {option.id}

    def problem(message: str, *path: str | int) -> None:
        problems.append(Problem(item.file, item.line_of("options", o, *path), message))

    if option.opposite is not None and option.opposite not in others:
        problem(f"opposite '{option.opposite}' is not another option of this question", "opposite")
    for i, joined in enumerate(option.combines):
        if joined not in others:
            problem(f"combines '{joined}', not another option of this question", "combines", i)
    if len(option.combines) == 1:
        problem("combines needs at least two options (the ones this option joins)", "combines")
    for model, snippets in option.basis.items():
        if option.weights.get(model, 0) == 0:
            problem(f"basis for '{model}', which this option does not weigh", "basis", model)
        for i, snippet in enumerate(snippets):
            require(item, "snippets", snippet, "options", o, "basis", model, i)
            if snippet in ask_only:
                who = f"question '{question.id}': option '{option.id}' names"
                path = ("options", o, "basis", model, i)
                problems.append(_ask_only_linked(item, who, snippet, "basis", path))
    days = option.days
    if days is not None and days.max is not None and days.max < days.min:
        problem(f"days: max ({days.max}) is below min ({days.min})", "days")


def _check_examples(entries: dict[str, list[Located]], question_ids: set[str]) -> list[Problem]:
    """Example answers belong to a question that exists, under options it has. (A question
    that failed validation is in `question_ids` but not `entries`: already reported.)"""
    questions = {item.entry.id: item.entry for item in entries["questions"]}
    problems = []
    for item in entries["examples"]:
        examples: ExampleAnswers = item.entry
        question = questions.get(examples.question)
        if question is None and examples.question in question_ids:
            continue
        if question is None:
            line = item.line_of("question")
            problems.append(Problem(item.file, line, f"unknown question '{examples.question}'"))
            continue
        for option_id in examples.options:
            if question.option(option_id) is None:
                message = f"question '{question.id}' has no option '{option_id}'"
                problems.append(Problem(item.file, item.line_of("options", option_id), message))
    return problems


def _unreachable_models(entries: dict[str, list[Located]]) -> list[Problem]:
    """A model no option leans toward can never be recommended: that is a mistake."""
    reachable: set[str] = set()
    for item in entries["questions"]:
        for option in item.entry.options:
            top = max(option.weights.values(), default=0)
            reachable.update(m for m, weight in option.weights.items() if weight == top > 0)
    problems = []
    for item in entries["models"]:
        if entries["questions"] and item.entry.id not in reachable:
            message = f"model '{item.entry.id}' is unreachable: no option weighs it highest"
            problems.append(Problem(item.file, item.line_of("id"), message))
    return problems
