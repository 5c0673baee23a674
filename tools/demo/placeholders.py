"""`{name}` placeholders in demo strings, filled from set-ups and earlier captures.

A string that is exactly one placeholder takes the variable's own value, so `"{completed}"` can stand for a
boolean; a placeholder inside a longer string is replaced by its text. Only values are filled, never keys.
"""

import json
import re

from pydantic import JsonValue

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class MissingVariable(LookupError):
    """A placeholder names a variable that nothing provided: a set-up or an earlier step failed to capture it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def names_in(value: JsonValue) -> set[str]:
    """Every placeholder name used anywhere in a value (strings inside lists and mappings included)."""
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    if isinstance(value, list):
        return set().union(*(names_in(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(names_in(item) for item in value.values()))
    return set()


def fill(value: JsonValue, variables: dict[str, JsonValue]) -> JsonValue:
    if isinstance(value, str):
        return fill_text(value, variables)
    if isinstance(value, list):
        return [fill(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, variables) for key, item in value.items()}
    return value


def fill_text(text: str, variables: dict[str, JsonValue]) -> JsonValue:
    whole = PLACEHOLDER.fullmatch(text)
    if whole:
        return _lookup(whole.group(1), variables)
    return PLACEHOLDER.sub(lambda match: _as_text(_lookup(match.group(1), variables)), text)


def fill_string(text: str, variables: dict[str, JsonValue]) -> str:
    """For paths and headers, which are always text whatever the variable holds."""
    return PLACEHOLDER.sub(lambda match: _as_text(_lookup(match.group(1), variables)), text)


def _lookup(name: str, variables: dict[str, JsonValue]) -> JsonValue:
    if name not in variables:
        raise MissingVariable(name)
    return variables[name]


def _as_text(value: JsonValue) -> str:
    return value if isinstance(value, str) else json.dumps(value)
