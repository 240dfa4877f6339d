"""A knowledge folder as bytes in memory, and the knowledge built from exactly those bytes.

A reload reads every file once into a `Snapshot` and validates that copy, never the folder
itself: an editor saving while the reload runs can then not make the version, the stored files
and the knowledge served disagree. The same snapshot, stored in the database, lets a process
on another machine build the very same version (`content_version` hashes relative paths and
bytes, so it does not depend on where the files sit).

The loader reads folders, so a snapshot is validated from a temporary copy; its problems are
reported with paths relative to the knowledge folder (`questions.yml:12: ...`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.knowledge.loader import (
    KnowledgeError,
    Problem,
    checked_knowledge_files,
    load_knowledge,
)
from bot.knowledge.model import Knowledge


@dataclass(frozen=True)
class Snapshot:
    """Every knowledge file (`*.yml`, `*.yaml`, in subfolders too) by relative POSIX path."""

    files: Mapping[str, bytes]

    @classmethod
    def read(cls, directory: Path) -> Snapshot:
        """The folder's files now; KnowledgeError when the folder or its files are missing."""
        paths = checked_knowledge_files(directory)
        return cls({path.relative_to(directory).as_posix(): path.read_bytes() for path in paths})

    @classmethod
    def from_texts(cls, files: Mapping[str, str]) -> Snapshot:
        """A stored snapshot (files that loaded once, so UTF-8 text)."""
        return cls({path: text.encode("utf-8") for path, text in files.items()})

    def texts(self) -> dict[str, str]:
        """The files as text, for storing: only call on a snapshot that loaded (the loader
        refuses files that are not UTF-8)."""
        return {path: data.decode("utf-8") for path, data in self.files.items()}

    def build(self) -> Knowledge:
        """Validate and build (blocking: run it in a thread). KnowledgeError with every
        problem, files named by their relative path."""
        with tempfile.TemporaryDirectory(prefix="advisor-knowledge-") as folder:
            root = Path(folder)
            for name, data in self.files.items():
                target = root / _safe(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            try:
                return load_knowledge(root)
            except KnowledgeError as error:
                problems = [_relative(problem, root) for problem in error.problems]
                raise KnowledgeError(problems) from None


def _safe(name: str) -> PurePosixPath:
    """A stored path stays inside the folder it is written to."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise KnowledgeError([Problem(name or "(unnamed)", 1, "not a relative file path")])
    return path


def _relative(problem: Problem, root: Path) -> Problem:
    """The problem with the temporary copy's paths made relative, in its message too (a
    duplicate names where the first definition is): the admin edits the folder, not the copy."""
    prefix = str(root) + os.sep
    file = problem.file
    if file.startswith(prefix):
        file = PurePosixPath(Path(file).relative_to(root).as_posix()).as_posix()
    return Problem(file, problem.line, problem.message.replace(prefix, ""))
