"""Reading YAML configuration with line numbers, and turning validation errors into problems.

Operators edit crebot.yaml and playbooks by hand, so every error names the file, the line
and the key path (`tenants[2].timezone`), never a Python traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import ConfigError, ConfigProblem


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlDocument:
    """A parsed YAML file and a way to find the line of a key path in it."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None):
        self.path = path
        self.data = data
        self._root = root

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The 1-based line of the deepest node of `loc` that exists in the file."""
        node = self._root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key_node, value_node in node.value:
                    if key_node.value == str(part):
                        found = (key_node, value_node)
                        break
                if found is None:
                    return line
                line = found[0].start_mark.line + 1
                node = found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def problem(self, loc: Sequence[str | int], message: str) -> ConfigProblem:
        return ConfigProblem(str(self.path), key_path(loc), message, self.line_of(loc))

    def problems_from(self, error: ValidationError) -> list[ConfigProblem]:
        return [self.problem(err["loc"], _message(err)) for err in error.errors()]


def key_path(loc: Sequence[str | int]) -> str:
    """('tenants', 2, 'timezone') -> 'tenants[2].timezone'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key (check the spelling; unknown keys are not ignored)"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def read_yaml(path: Path) -> YamlDocument:
    """Parse one YAML file, refusing duplicate keys; a syntax error becomes a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(str(path), "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(str(path), "", f"cannot read: {exc}")]) from None
    try:
        root = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=_LineLoader) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigProblem(str(path), "", f"YAML syntax: {problem}", line)]) from None
    return YamlDocument(path, data, root)
