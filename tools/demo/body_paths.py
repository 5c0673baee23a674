"""Dotted paths into a JSON body: `user.email`, `0.title`, `detail.0.loc`; the empty path is the body itself."""

from typing import Final

from pydantic import JsonValue


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


# Distinct from None, which is a value a field can hold (`"description": null`).
MISSING: Final = _Missing()


def lookup(body: JsonValue, path: str) -> JsonValue | _Missing:
    current: JsonValue = body
    for part in path.split(".") if path else []:
        if isinstance(current, dict):
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return MISSING
            current = current[index]
        else:
            return MISSING
    return current
