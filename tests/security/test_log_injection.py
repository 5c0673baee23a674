"""A request cannot forge log lines: every request-derived value is escaped and capped before it reaches the log.

The tests read what the real text sink writes (the app's own `sys.stderr` sink, built with `LOG_FORMAT=text`),
so they see exactly what an operator's terminal or a line-based log shipper would.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager

import pytest
from fastapi import FastAPI

from app.shared.observability.logging import MAX_LOGGED_VALUE_CHARS, configure_logging, loggable
from app.shared.observability.security_events import security_event
from tests.conftest import client_for, test_settings
from tests.security.logs import captured_lines, captured_logs

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
# What an attacker would append to a path: a newline, then a whole line in the text format, naming an event.
FORGED = "2026-11-25 04:00:00.000 | WARNING | - | security signin_failed: wrong email or password email=a@b.c"


class Stderr:
    """What the app's text sink wrote to `sys.stderr` (pytest's capsys, which the sink is built on)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def clear(self) -> None:
        """Forgets what start-up wrote, so only the request's lines remain."""
        self._capsys.readouterr()

    def lines(self) -> list[str]:
        return self._capsys.readouterr().err.splitlines()


@pytest.fixture
def stderr(capsys: pytest.CaptureFixture[str], database_url: str) -> Iterator[Stderr]:
    """The app built in the test writes to capsys; the session's logging is put back afterwards."""
    yield Stderr(capsys)
    configure_logging(test_settings(database_url))


async def test_a_newline_in_the_path_cannot_start_a_second_line(app_with: AppWith, stderr: Stderr) -> None:
    async with app_with(log_format="text", log_level="INFO") as app, client_for(app) as client:
        stderr.clear()
        with captured_logs(level="INFO") as records:
            response = await client.get(f"/api/nothing/x%0a{FORGED}", headers={"X-Request-ID": "forge-1"})
    assert response.status_code == 404
    [line] = stderr.lines()
    assert len(records) == 1
    assert "forge-1" in line
    assert f"/api/nothing/x\\n{FORGED}" in line


async def test_a_forged_line_on_a_task_route_stays_inside_the_access_line(app_with: AppWith, stderr: Stderr) -> None:
    async with app_with(log_format="text", log_level="INFO") as app, client_for(app) as client:
        stderr.clear()
        with captured_logs(level="INFO") as records:
            response = await client.get(f"/api/tasks/x%0d%0a{FORGED}")
    assert response.status_code == 401
    lines = stderr.lines()
    # One line per record the app wrote, whatever the path held: nothing else reached the stream.
    assert len(lines) == len(records) >= 1
    [access] = [line for line in lines if "GET /api/tasks/" in line]
    assert f"/api/tasks/x\\r\\n{FORGED}" in access
    assert not any(line.startswith("2026-11-25 04:00:00.000") for line in lines)


async def test_terminal_escapes_and_c1_controls_are_shown_not_obeyed(app_with: AppWith, stderr: Stderr) -> None:
    async with app_with(log_format="text", log_level="INFO") as app, client_for(app) as client:
        stderr.clear()
        await client.get("/api/nothing/%1b[2J%1b[31mred%c2%85next%e2%80%a8sep%09tab%7f")
    [line] = stderr.lines()
    assert "\x1b" not in line
    assert "\x85" not in line
    assert "\u2028" not in line
    assert "/api/nothing/\\x1b[2J\\x1b[31mred\\x85next\\u2028sep\\ttab\\x7f" in line


async def test_a_long_path_is_capped_in_text_and_json(app_with: AppWith, stderr: Stderr) -> None:
    path = "/api/nothing/" + "a" * 5000
    async with app_with(log_format="text", log_level="INFO") as app, client_for(app) as client:
        stderr.clear()
        with captured_lines(level="INFO") as json_lines:
            await client.get(path)
    [line] = stderr.lines()
    assert len(line) < MAX_LOGGED_VALUE_CHARS + 200
    assert f"[+{len(path) - MAX_LOGGED_VALUE_CHARS} chars]" in line
    [record] = [json.loads(text)["record"] for text in json_lines]
    assert len(record["extra"]["path"]) < MAX_LOGGED_VALUE_CHARS + 20
    assert record["extra"]["path"].startswith(path[:MAX_LOGGED_VALUE_CHARS])


async def test_json_lines_stay_one_valid_line_each(app_with: AppWith, stderr: Stderr) -> None:
    async with app_with(log_format="json", log_level="INFO") as app, client_for(app) as client:
        stderr.clear()
        await client.get(f"/api/tasks/x%0a{FORGED}")
    lines = stderr.lines()
    assert lines
    records = [json.loads(line)["record"] for line in lines]  # each line is a whole JSON document
    [access] = [record for record in records if record["extra"].get("event") == "access"]
    assert access["extra"]["path"] == f"/api/tasks/x\n{FORGED}"  # JSON escapes it; the value stays exact


def test_a_security_event_escapes_every_fact(stderr: Stderr, database_url: str) -> None:
    configure_logging(test_settings(database_url, log_format="text"))
    security_event("signin_failed", "wrong email or password", email=f"a@b.c\n{FORGED}", reason="x\x1b[0m\ry")
    [line] = stderr.lines()
    assert f"email=a@b.c\\n{FORGED}" in line
    assert "reason=x\\x1b[0m\\ry" in line


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("plain /api/tasks?x=1", "plain /api/tasks?x=1"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x1b\x7f\x9b", "\\x00\\x1b\\x7f\\x9b"),
        ("back\\slash", "back\\\\slash"),
        ("\u202eevil\u2066", "\\u202eevil\\u2066"),
        ("emoji 🍪 and ünïcode", "emoji 🍪 and ünïcode"),
        (None, "None"),
        (42, "42"),
    ],
)
def test_loggable_escapes_controls_and_keeps_the_rest(value: object, shown: str) -> None:
    assert loggable(value) == shown
