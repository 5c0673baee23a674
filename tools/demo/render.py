"""Turns request and response bodies into a few readable lines: pretty JSON, long values trimmed, tokens short.

A JWT is 300 characters of noise to a reader, and a secret in a CI log, so every token is cut to its ends
wherever it appears (bodies, headers, paths, check messages).
"""

import json
import re

from pydantic import JsonValue

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
WIDTH = 100
MAX_LINES = 24
MAX_STRING = 80
MAX_ITEMS = 5


def abbreviate_tokens(text: str) -> str:
    return JWT.sub(lambda match: f"{match.group()[:10]}…{match.group()[-6:]}", text)


def body_lines(body: JsonValue, *, max_lines: int = MAX_LINES) -> list[str]:
    """A JSON body pretty-printed: an object or list that fits on one line stays on one, and long ones are cut."""
    return _cut(_layout(_shorten(body), indent=0), max_lines)


def text_lines(text: str, *, max_lines: int = 6) -> list[str]:
    """A body that is not JSON (an HTML error page from a proxy, say), as its first lines."""
    lines = [abbreviate_tokens(line)[:WIDTH] for line in text.strip().splitlines()] or ["(blank)"]
    return _cut(lines, max_lines)


def _shorten(value: JsonValue) -> JsonValue:
    if isinstance(value, str):
        value = abbreviate_tokens(value)
        return value if len(value) <= MAX_STRING else f"{value[: MAX_STRING - 1]}…"
    if isinstance(value, list):
        kept: list[JsonValue] = [_shorten(item) for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            kept.append(f"… {len(value) - MAX_ITEMS} more")
        return kept
    if isinstance(value, dict):
        return {key: _shorten(item) for key, item in value.items()}
    return value


def _layout(value: JsonValue, indent: int, prefix: str = "") -> list[str]:
    flat = prefix + json.dumps(value, ensure_ascii=False)
    if indent + len(flat) <= WIDTH or not isinstance(value, list | dict) or not value:
        return [flat]
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    entries = (
        [(json.dumps(key, ensure_ascii=False) + ": ", item) for key, item in value.items()]
        if isinstance(value, dict)
        else [("", item) for item in value]
    )
    lines = [prefix + opening]
    for position, (key, item) in enumerate(entries):
        child = _layout(item, indent + 2, key)
        if position < len(entries) - 1:
            child[-1] += ","
        lines += ["  " + line for line in child]
    return [*lines, closing]


def _cut(lines: list[str], max_lines: int) -> list[str]:
    if len(lines) <= max_lines:
        return lines
    return [*lines[: max_lines - 1], f"… {len(lines) - max_lines + 1} more lines"]
