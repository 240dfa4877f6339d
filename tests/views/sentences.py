"""Finding user-facing sentences written as literals in Python source (for the guard test)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Three or more words with letters: what a person reads, not an id, a key or a format.
_SENTENCE = re.compile(r"[A-Za-z\u2019']+(?:[ ,:;\u2013\u2014-]+[A-Za-z\u2019'()<>]+){2,}")
_LOGGERS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
# re.compile(...): a pattern, whatever its letters look like.
_PATTERNS = {"compile"}


@dataclass(frozen=True)
class Literal:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text[:80]!r}"


def sentences_in(path: Path) -> Iterator[Literal]:
    """String literals in `path` that read as sentences, leaving out docstrings, log lines,
    exception messages (for developers and logs, not people in a chat), regular expressions and
    test strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _docstrings(tree) | _in_logs_raises_and_patterns(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and _SENTENCE.search(node.value)
        ):
            yield Literal(path, node.lineno, node.value)


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _in_logs_raises_and_patterns(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        inside: ast.AST | None = None
        if isinstance(node, ast.Raise) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _LOGGERS | _PATTERNS
        ):
            inside = node
        if inside is not None:
            found |= {id(child) for child in ast.walk(inside)}
    return found
