"""Read YAML keeping the line of every key, so errors can point at the file and line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from observatory.errors import ConfigIssue

Location = tuple[str | int, ...]


def _walk(node: yaml.Node, path: Location, lines: dict[Location, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, index), lines) for index, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def read_yaml(path: Path) -> tuple[Any, dict[Location, int]]:
    """Parse ``path``; return the data and a map from key path to 1-based line number.

    A syntax error becomes a ``ConfigIssue`` raised inside a one-item list by the caller.
    """
    text = path.read_text(encoding="utf-8")
    lines: dict[Location, int] = {}
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return {}, lines
    return _walk(node, (), lines), lines


def yaml_syntax_issue(path: Path, error: yaml.YAMLError) -> ConfigIssue:
    """Turn a YAML syntax error into an issue with its line."""
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(error, "problem", None) or str(error)
    return ConfigIssue(str(path), line, "", f"YAML syntax error: {problem}")


def line_for(lines: Mapping[Location, int], loc: Location) -> int | None:
    """The line of the deepest known prefix of ``loc``."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
