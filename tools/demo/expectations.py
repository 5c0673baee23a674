"""Judges one response against a step's `expect`: a list of checks, each passed or failed with what came instead.

Labels keep the demo's own wording (`id = {task_id}`) because that is what a reader of the demo file recognises;
the failure says what the placeholder stood for and what came.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import JsonValue

from tools.demo.body_paths import MISSING, lookup
from tools.demo.placeholders import PLACEHOLDER, MissingVariable, fill, fill_string
from tools.demo.spec import Expect

# The contract gives every error body a human `message` beside `detail`; one place says so.
ERROR_MESSAGE_FIELD = "message"


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back, in the form the checks read: no httpx here, so the checks are plain functions."""

    status: int
    reason: str
    headers: Mapping[str, str]  # case-insensitive, as httpx.Headers is
    body: JsonValue  # parsed JSON; the text itself when it is not JSON; None when there is no body
    content: bytes


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    label: str
    problem: str = ""


def judge(expect: Expect, answer: Answer, variables: dict[str, JsonValue]) -> list[Check]:
    checks = [_status(expect.status, answer)]
    for path, want in expect.equals.items():
        checks.append(_equals(path, want, answer, variables))
    for path, unwanted in expect.differs.items():
        checks.append(_differs(path, unwanted, answer, variables))
    checks += [_present(path, answer) for path in expect.present]
    checks += [_absent(path, answer) for path in expect.absent]
    if isinstance(expect.length, int):
        checks.append(_length("", expect.length, answer))
    elif expect.length is not None:
        checks += [_length(path, size, answer) for path, size in expect.length.items()]
    if expect.error is not None:
        checks += _error(expect.error, answer, variables)
    if expect.invalid is not None:
        checks += _invalid(expect.invalid, answer)
    for name, value in expect.headers.items():
        checks.append(_header(name, value, answer, variables))
    if expect.empty:
        checks.append(_empty(answer))
    return checks


def show(value: JsonValue) -> str:
    """A value as JSON, except a lone placeholder, which reads better bare: `{task_id}`."""
    if isinstance(value, str) and PLACEHOLDER.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _status(expected: int, answer: Answer) -> Check:
    return Check(answer.status == expected, f"status {expected}", f"expected {expected}, got {answer.status}")


def _equals(path: str, template: JsonValue, answer: Answer, variables: dict[str, JsonValue]) -> Check:
    label = f"{path or 'body'} = {show(template)}"
    try:
        want = fill(template, variables)
    except MissingVariable as missing:
        return Check(False, label, f"{{{missing.name}}} was never captured")
    got = lookup(answer.body, path)
    # The label already shows a literal expectation; a placeholder's value is worth spelling out.
    expected = f"expected {show(want)}, " if want != template else ""
    return Check(_same(got, want), label, f"{expected}got {_got(got)}")


def _differs(path: str, template: JsonValue, answer: Answer, variables: dict[str, JsonValue]) -> Check:
    label = f"{path} ≠ {show(template)}"
    try:
        unwanted = fill(template, variables)
    except MissingVariable as missing:
        return Check(False, label, f"{{{missing.name}}} was never captured")
    got = lookup(answer.body, path)
    if got is MISSING:
        return Check(False, label, "got nothing (no such field)")
    return Check(not _same(got, unwanted), label, f"got the same value, {_got(got)}")


def _present(path: str, answer: Answer) -> Check:
    got = lookup(answer.body, path)
    return Check(got is not MISSING, f"{path} present", "got nothing (no such field)")


def _absent(path: str, answer: Answer) -> Check:
    got = lookup(answer.body, path)
    return Check(got is MISSING, f"no {path}", f"it is there: {_got(got)}")


def _length(path: str, size: int, answer: Answer) -> Check:
    label = f"{path} has {size} item{'s' if size != 1 else ''}" if path else f"{size} item{'s' if size != 1 else ''}"
    got = lookup(answer.body, path)
    if not isinstance(got, list | dict):
        return Check(False, label, f"expected a list, got {_got(got)}")
    return Check(len(got) == size, label, f"expected {size}, got {len(got)}")


def _error(expected: str | bool, answer: Answer, variables: dict[str, JsonValue]) -> list[Check]:
    detail = lookup(answer.body, "detail")
    if isinstance(expected, str):
        label = f"detail = {show(expected)}"
        try:
            want = fill_string(expected, variables)
        except MissingVariable as missing:
            return [Check(False, label, f"{{{missing.name}}} was never captured"), _message(answer)]
        checks = [Check(detail == want, label, f"expected {show(want)}, got {_got(detail)}")]
    else:
        checks = [Check(isinstance(detail, str), "detail is a message", f"expected a string, got {_got(detail)}")]
    return [*checks, _message(answer)]


def _invalid(fields: list[str], answer: Answer) -> list[Check]:
    detail = lookup(answer.body, "detail")
    if not isinstance(detail, list):
        listed = Check(False, "detail lists the invalid fields", f"expected a list, got {_got(detail)}")
        return [listed, _message(answer)]
    named = [_location(item) for item in detail]
    checks = [
        Check(field in named, f"{field} invalid", f"detail names {', '.join(named) or 'nothing'}") for field in fields
    ]
    return [*checks, _message(answer)]


def _message(answer: Answer) -> Check:
    message = lookup(answer.body, ERROR_MESSAGE_FIELD)
    return Check(
        isinstance(message, str) and bool(message),
        f"{ERROR_MESSAGE_FIELD} present",
        f"got {_got(message)}; the contract gives every error body a human `{ERROR_MESSAGE_FIELD}`",
    )


def _header(name: str, template: str, answer: Answer, variables: dict[str, JsonValue]) -> Check:
    label = f"{name}: {template}"
    try:
        want = fill_string(template, variables)
    except MissingVariable as missing:
        return Check(False, label, f"{{{missing.name}}} was never captured")
    got = answer.headers.get(name)
    return Check(got == want, label, f"expected {want!r}, got {'no such header' if got is None else repr(got)}")


def _empty(answer: Answer) -> Check:
    content_type = answer.headers.get("content-type")
    problem = f"got {len(answer.content)} bytes" + (f" and Content-Type {content_type!r}" if content_type else "")
    return Check(not answer.content and content_type is None, "no body, no Content-Type", problem)


def _location(item: JsonValue) -> str:
    loc = item.get("loc") if isinstance(item, dict) else None
    return ".".join(str(part) for part in loc) if isinstance(loc, list) else "?"


def _same(got: object, want: object) -> bool:
    """JSON equality: `true` is not `1`, as Python's `True == 1` would have it."""
    if isinstance(got, bool) or isinstance(want, bool):
        return type(got) is type(want) and got == want
    if isinstance(got, list) and isinstance(want, list):
        return len(got) == len(want) and all(_same(a, b) for a, b in zip(got, want, strict=True))
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(_same(got[key], want[key]) for key in got)
    return got == want


def _got(value: object) -> str:
    if value is MISSING:
        return "nothing (no such field)"
    return show(value)  # type: ignore[arg-type]  # anything read from a JSON body is a JsonValue
