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


def parse(text: str) -> ParsedYaml:
    """Parse one YAML document. Raises YamlSyntaxError with the line of the mistake.

    libyaml (PyYAML's C parser) reads the files about ten times faster; a file it refuses is
    read again by the pure-Python parser, whose messages say more about the mistake."""
    _check_shape(text)
    if _FAST is not None:
        try:
            return _parse(text, _FAST)
        except YamlSyntaxError:
            pass
    return _parse(text, yaml.SafeLoader)


_FAST: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


def _check_shape(text: str) -> None:
    """Refuse, before anything is built, what no knowledge file needs and what could make
    building it explode: a NUL byte, anchors and aliases (six lines of nested aliases expand
    to hundreds of megabytes; a cyclic one never ends), nesting deeper than MAX_DEPTH. The
    event stream is linear in the text, aliases unexpanded."""
    nul = text.find("\x00")
    if nul >= 0:
        raise YamlSyntaxError(text.count("\n", 0, nul) + 1, "a NUL byte (not text)")
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_FAST or yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlSyntaxError(
                    line, "anchors and aliases (& and *) are not allowed in knowledge files"
                )
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlSyntaxError(line, f"nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # a syntax error: the parse that follows reports it with its line


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
        _record(node, (), lines, duplicates)
    return ParsedYaml(data, lines, tuple(duplicates))


def _record(
    node: yaml.Node, path: Path, lines: dict[Path, int], duplicates: list[tuple[str, int]]
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                duplicates.append((key, key_node.start_mark.line + 1))
            seen.add(key)
            _record(value_node, (*path, key), lines, duplicates)
            # A key's own line is where an admin looks for a missing or wrong field.
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), lines, duplicates)
