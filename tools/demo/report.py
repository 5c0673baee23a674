"""Prints the walk for people: each request and its answer, each check ✓ or ✗, and one summary line for CI.

Colour only on a terminal (and never with NO_COLOR set), so CI logs carry no escape codes. The last line is
always exactly `demo: N passed, N failed`, uncoloured, whatever else went on.
"""

import os
from typing import TextIO

from pydantic import JsonValue

from tools.demo.catalog import LoadedDemo
from tools.demo.placeholders import MissingVariable, fill_string
from tools.demo.render import WIDTH, abbreviate_tokens, body_lines, text_lines
from tools.demo.runner import Outcome, StepResult
from tools.demo.setups import Setup

PASS, FAIL = "✓", "✗"
INDENT = "      "

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "magenta": "35"}


class Printer:
    def __init__(self, stream: TextIO, *, colour: bool) -> None:
        self._stream = stream
        self._colour = colour

    @classmethod
    def for_stream(cls, stream: TextIO) -> "Printer":
        colour = stream.isatty() and "NO_COLOR" not in os.environ
        return cls(stream, colour=colour)

    def note(self, text: str) -> None:
        """A line about the run itself: which server, which settings, why."""
        self._line(self._paint(f"demo: {text}", "dim"))

    def warning(self, text: str) -> None:
        self._line(self._paint(f"demo: {text}", "yellow"))

    def demo_started(self, loaded: LoadedDemo) -> None:
        self._line("")
        self._line(self._paint(f"━━ {loaded.slice} ━━ ", "magenta") + self._paint(loaded.demo.title, "bold"))
        if loaded.demo.note:
            self._line(self._paint(f"   {loaded.demo.note}", "dim"))

    def setup_done(self, setup: Setup, result: StepResult, variables: dict[str, JsonValue]) -> None:
        if result.ok:
            try:
                summary = fill_string(setup.summary, variables)
            except MissingVariable:
                summary = setup.name
            self._line(self._paint(f"   set-up: {summary}", "dim"))
            return
        self._line(f"   {self._paint(FAIL, 'red')} set-up {setup.name} failed: {setup.description}")
        self._exchange(result)
        self._checks(result)

    def step_done(self, number: int, result: StepResult) -> None:
        mark = self._paint(PASS, "green") if result.ok else self._paint(FAIL, "red")
        self._line("")
        self._line(f" {mark} {number}. {self._paint(result.step.title, 'bold')}")
        if result.step.note:
            self._line(self._paint(INDENT + result.step.note, "dim"))
        self._exchange(result)
        self._checks(result)

    def demo_abandoned(self, skipped_steps: int) -> None:
        self._line(self._paint(f"{INDENT}its {skipped_steps} steps were not run: each needs this set-up", "red"))

    def waiting(self, seconds: float, reason: str) -> None:
        self._line(self._paint(f"{INDENT}… waiting {seconds:.0f} s: {reason}", "yellow"))

    def summary(self, outcome: Outcome) -> None:
        if outcome.failures:
            self._line("")
            self._line(self._paint("demo: failed steps:", "red"))
            for failure in outcome.failures:
                self._line(self._paint(f"  {FAIL} {failure}", "red"))
        self._line("")
        # Exactly this, uncoloured, last: CI counts it.
        self._line(f"demo: {outcome.passed} passed, {outcome.failed} failed")

    def _exchange(self, result: StepResult) -> None:
        sent, answer = result.sent, result.answer
        if sent is not None:
            self._line(INDENT + self._paint(sent.method, "cyan") + " " + sent.path)
            for name, value in sent.headers.items():
                if name.lower() != "content-type":
                    self._line(self._paint(f"{INDENT}{name}: {value}", "dim"))
            if sent.has_body:
                for line in body_lines(sent.body):
                    self._line(INDENT + line)
        if answer is not None:
            expected = result.step.expect.status
            status = self._paint(f"→ {answer.status} {answer.reason}", "green" if answer.status == expected else "red")
            self._line(INDENT + status)
            if answer.content:
                lines = body_lines(answer.body) if not isinstance(answer.body, str) else text_lines(answer.body)
                for line in lines:
                    self._line(INDENT + line)
            else:
                self._line(self._paint(f"{INDENT}(no body)", "dim"))

    def _checks(self, result: StepResult) -> None:
        if result.error is not None:
            self._line(f"{INDENT}{self._paint(FAIL, 'red')} {result.error}")
            return
        if all(check.ok for check in result.checks):
            for position, line in enumerate(_wrap([check.label for check in result.checks])):
                mark = self._paint(PASS, "green") if position == 0 else " "
                self._line(f"{INDENT}{mark} {line}")
        else:
            for check in result.checks:
                if check.ok:
                    self._line(f"{INDENT}{self._paint(PASS, 'green')} {check.label}")
                else:
                    self._line(f"{INDENT}{self._paint(FAIL, 'red')} {check.label}: {self._paint(check.problem, 'red')}")
        if result.captured:
            names = ", ".join("{" + name + "}" for name in result.captured)
            self._line(self._paint(f"{INDENT}captured {names}", "dim"))

    def _paint(self, text: str, style: str) -> str:
        if not self._colour:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"

    def _line(self, text: str) -> None:
        # Every printed line passes here, so no token is ever printed whole, whatever it came in.
        self._stream.write(abbreviate_tokens(text) + "\n")
        self._stream.flush()


def _wrap(labels: list[str], width: int = WIDTH - len(INDENT) - 2) -> list[str]:
    """Passing checks on as few lines as fit, joined by `·`: they confirm, the failures are what to read."""
    lines: list[str] = []
    for label in labels:
        if lines and len(lines[-1]) + 3 + len(label) <= width:
            lines[-1] += " · " + label
        else:
            lines.append(label)
    return lines
