"""A copy of the bundled knowledge that a test edits the way an admin would: reword a question,
add a snippet, break a file with mistakes at known lines."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.knowledge.paths import default_knowledge_dir

# The broken file `break_it` writes, and the problems the loader reports for it.
BROKEN_FILE = "snippets/998_broken.yml"
BROKEN_ERRORS = (
    f"{BROKEN_FILE}:4: unknown source 'nowhere'",
    f"{BROKEN_FILE}:6: unknown model 'nobody'",
)
ADDED_SNIPPET = "s999-added-by-a-reload"
_PROMPT = re.compile(r'^(    prompt: )"[^"\n]*"$', re.MULTILINE)


def copy_knowledge(destination: Path) -> Path:
    """The bundled knowledge's YAML files, copied to `destination` (created)."""
    source = default_knowledge_dir()
    destination.mkdir(parents=True, exist_ok=True)
    for path in [*source.rglob("*.yml"), *source.rglob("*.yaml")]:
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return destination


def reword_question(folder: Path, index: int, prompt: str) -> None:
    """Give the `index`-th question (0-based, file order) a new prompt."""
    path = folder / "questions.yml"
    text = path.read_text(encoding="utf-8")
    matches = list(_PROMPT.finditer(text))
    match = matches[index]
    new = f'{match.group(1)}"{prompt}"'
    path.write_text(text[: match.start()] + new + text[match.end() :], encoding="utf-8")


def add_snippet(folder: Path, text: str = "A point added while people were answering.") -> None:
    (folder / "snippets" / "999_added.yml").write_text(
        "snippets:\n"
        f"  - id: {ADDED_SNIPPET}\n"
        "    source: ai-vs-it\n"
        "    dimensions: [mandate]\n"
        "    models: [dedicated]\n"
        f'    text: "{text}"\n'
        "    keywords: [reload]\n",
        encoding="utf-8",
    )


def break_it(folder: Path) -> None:
    """A snippet naming a source and a model that do not exist (BROKEN_ERRORS)."""
    (folder / BROKEN_FILE).write_text(
        "# An edit with two mistakes.\n"
        "snippets:\n"
        "  - id: s998-broken\n"
        "    source: nowhere\n"
        "    dimensions: [mandate]\n"
        "    models: [nobody]\n"
        '    text: "This edit refers to things that do not exist."\n',
        encoding="utf-8",
    )


def repair(folder: Path) -> None:
    (folder / BROKEN_FILE).unlink()
