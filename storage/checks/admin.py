"""Argument checks of `storage.admin.AdminStore`, shared by every implementation so that
all of them accept and refuse the same calls (ValueError naming the argument, never its
contents)."""

from __future__ import annotations

from dataclasses import replace

from storage.admin import (
    ACTION_LENGTH,
    MAX_ERROR_LENGTH,
    MAX_ERRORS,
    OUTCOME_LENGTH,
    AuditRecord,
    KnowledgeLoadRecord,
    LoadOutcome,
)
from storage.checks.common import aware_utc, checked_text, json_copy
from storage.conversations import KEY_LENGTH, LABEL_LENGTH, PLATFORM_LENGTH

# Relative paths of knowledge files; a folder of YAML files has short names.
PATH_LENGTH = 1024


def checked_load(load: KnowledgeLoadRecord) -> KnowledgeLoadRecord:
    """A knowledge load as it will be stored: UTC time, JSON-safe copies, errors bounded."""
    outcome = LoadOutcome(load.outcome)
    _who(load.platform, load.workspace, load.actor)
    counts = json_copy(dict(load.counts), "counts")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in counts.values()):
        raise ValueError("counts must map names to ints")
    errors = tuple(
        checked_text(error[:MAX_ERROR_LENGTH], "an error", MAX_ERROR_LENGTH)
        for error in load.errors[:MAX_ERRORS]
    )
    files = {
        checked_text(path, "a file path", PATH_LENGTH): _file_text(text)
        for path, text in dict(load.files).items()
    }
    if outcome is LoadOutcome.OK:
        checked_text(load.version, "version", LABEL_LENGTH)
        if not files:
            raise ValueError("a successful load must carry its files")
    else:
        if load.version is not None or files:
            raise ValueError("a failed load has no version and no files")
        if not errors:
            raise ValueError("a failed load must carry its errors")
    return replace(
        load,
        loaded_at=aware_utc(load.loaded_at, "loaded_at"),
        outcome=outcome,
        counts=counts,
        errors=errors,
        files=files,
        id=None,
    )


def checked_audit(entry: AuditRecord) -> AuditRecord:
    """An audit entry as it will be stored."""
    _who(entry.platform, entry.workspace, entry.actor)
    checked_text(entry.action, "action", ACTION_LENGTH)
    checked_text(entry.outcome, "outcome", OUTCOME_LENGTH)
    return replace(
        entry,
        at=aware_utc(entry.at, "at"),
        detail=json_copy(dict(entry.detail), "detail"),
        id=None,
    )


def _who(platform: str, workspace: str | None, actor: str) -> None:
    checked_text(platform, "platform", PLATFORM_LENGTH)
    if workspace is not None:
        checked_text(workspace, "workspace", KEY_LENGTH)
    checked_text(actor, "actor", KEY_LENGTH)


def _file_text(text: object) -> str:
    """A knowledge file's text: any length (an empty file is a file), nothing PostgreSQL
    could not give back out of JSON."""
    if not isinstance(text, str):
        raise ValueError("a file's content must be text")
    if "\x00" in text:
        raise ValueError("a file's content must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a file's content must be valid Unicode text") from None
    return text
