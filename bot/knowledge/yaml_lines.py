"""Parse YAML while remembering on which line every value sits.

PyYAML's composed node tree knows each node's position; the plain `safe_load` result does not.
We build both from one parse so that a validation error found in the data can be reported at the
line an admin has to edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ParsedYaml:
    data: Any
    lines: dict[Path, int]
    duplicate_keys: tuple[tuple[str, int], ...]

    def line_of(self, path: Path) -> int:
        """The line of the value at `path`, or of its nearest ancestor that exists."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# Knowledge files are lists of entries a few levels deep; 5,000-deep nesting is an attack on
# the recursion of whatever walks it.
MAX_DEPTH = 32
_ALIASES = "anchors and aliases (& and *) are not allowed in knowledge files"


def parse(text: str) -> ParsedYaml:
    """Parse one YAML document. Raises YamlSyntaxError with the line of the mistake.

    libyaml (PyYAML's C parser) reads the files about ten times faster; a file it refuses is
    read again by the pure-Python parser, whose messages say more about the mistake."""
    nul = text.find("\x00")
    if nul >= 0:
        raise YamlSyntaxError(text.count("\n", 0, nul) + 1, "a NUL byte (not text)")
    if _FAST is not None:
        try:
            return _parse(text, _FAST)
        except YamlSyntaxError:
            pass
    return _parse(text, _Safe)


class _Safe(yaml.SafeLoader):
    """The safe loader, with dates left as text: the schema reads the ones it expects, and an
    impossible one (2024-13-40) is then a problem at its line, where PyYAML's own date
    constructor raised a bare ValueError."""


def _date_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(node.value)


_Safe.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)
_C_SAFE: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
_FAST: type[yaml.SafeLoader] | None = None
if _C_SAFE is not None:

    class _FastSafe(_C_SAFE):  # type: ignore[valid-type,misc]  # chosen at run time
        """libyaml's safe loader, with dates left as text (see `_Safe`)."""

    _FastSafe.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)
    _FAST = _FastSafe


def _parse(text: str, loader_class: type[yaml.SafeLoader]) -> ParsedYaml:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(line, f"YAML syntax: {error.problem or error}") from error
    except yaml.YAMLError as error:
        raise YamlSyntaxError(1, f"YAML syntax: {error}") from error
    except RecursionError as error:
        # libyaml refuses such nesting before the first event; the pure-Python parser recurses.
        raise YamlSyntaxError(1, f"nested deeper than {MAX_DEPTH} levels") from error
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    duplicates: list[tuple[str, int]] = []
    if node is not None:
        _record(node, (), lines, duplicates, set())
    return ParsedYaml(data, lines, tuple(duplicates))


def _record(
    node: yaml.Node,
    path: Path,
    lines: dict[Path, int],
    duplicates: list[tuple[str, int]],
    walked: set[int],
) -> None:
    """Every value's line, by path. The composed tree shares a node wherever an alias points
    at it: met twice, it is refused here, before six lines of nested aliases can expand into
    hundreds of megabytes of paths (or a cyclic one into a walk that never ends)."""
    line = node.start_mark.line + 1
    if id(node) in walked:
        raise YamlSyntaxError(line, _ALIASES)
    if len(path) > MAX_DEPTH:
        raise YamlSyntaxError(line, f"nested deeper than {MAX_DEPTH} levels")
    walked.add(id(node))
    lines[path] = line
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                duplicates.append((key, key_node.start_mark.line + 1))
            seen.add(key)
            _record(value_node, (*path, key), lines, duplicates, walked)
            # A key's own line is where an admin looks for a missing or wrong field.
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), lines, duplicates, walked)
