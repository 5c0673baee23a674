"""Runs demos against a base URL with httpx: set-ups first, then each step; fills, sends, captures, judges.

The runner knows nothing about particular routes. It reports through a `Reporter` as it goes, so what the
audience sees keeps pace with the requests.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from pydantic import JsonValue

from tools.demo.body_paths import MISSING, lookup
from tools.demo.catalog import LoadedDemo
from tools.demo.expectations import Answer, Check, judge
from tools.demo.placeholders import MissingVariable, fill, fill_string
from tools.demo.setups import Setup, builtins
from tools.demo.spec import Request, Step

RATE_LIMITED = 429
# A deployed server keeps its default limits (10 sign-ups a minute per IP); waiting out a window is slower than
# a failure but honest. Longer than a minute means something else is wrong.
MAX_RATE_LIMIT_WAIT_SECONDS = 65.0
MAX_RATE_LIMIT_RETRIES = 3
DEFAULT_RETRY_AFTER_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Sent:
    method: str
    path: str
    headers: dict[str, str]
    body: JsonValue
    has_body: bool


@dataclass(slots=True)
class StepResult:
    step: Step
    sent: Sent | None = None
    answer: Answer | None = None
    checks: list[Check] = field(default_factory=list)
    captured: list[str] = field(default_factory=list)
    # Why there is no answer to judge: a variable never captured, or no connection.
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[str]:
        if self.error is not None:
            return [self.error]
        return [f"{check.label}: {check.problem}" for check in self.checks if not check.ok]


@dataclass(slots=True)
class Outcome:
    passed: int = 0
    failed: int = 0
    # "toggle_task 2. Toggle it back: is_completed = true: expected true, got nothing", for the recap.
    failures: list[str] = field(default_factory=list)

    def add(self, other: "Outcome") -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.failures += other.failures


class Reporter(Protocol):
    def demo_started(self, loaded: LoadedDemo) -> None: ...
    def setup_done(self, setup: Setup, result: StepResult, variables: dict[str, JsonValue]) -> None: ...
    def step_done(self, number: int, result: StepResult) -> None: ...
    def demo_abandoned(self, skipped_steps: int) -> None: ...
    def waiting(self, seconds: float, reason: str) -> None: ...


class Runner:
    def __init__(
        self, client: httpx.Client, reporter: Reporter, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._client = client
        self._reporter = reporter
        self._sleep = sleep

    def run(self, demos: list[LoadedDemo]) -> Outcome:
        total = Outcome()
        for loaded in demos:
            total.add(self.run_demo(loaded))
        return total

    def run_demo(self, loaded: LoadedDemo) -> Outcome:
        outcome = Outcome()
        variables = builtins()
        self._reporter.demo_started(loaded)
        for setup in loaded.setups:
            variables |= setup.given()
            for step in setup.steps:
                result = self.run_step(step, variables)
                self._reporter.setup_done(setup, result, variables)
                if not result.ok:
                    # Without its set-up no step means anything; one failure, not one per step.
                    self._reporter.demo_abandoned(len(loaded.demo.steps))
                    outcome.failed += 1
                    outcome.failures.append(f"{loaded.slice} set-up {setup.name}: {'; '.join(result.problems)}")
                    return outcome
        for number, step in enumerate(loaded.demo.steps, start=1):
            result = self.run_step(step, variables)
            self._reporter.step_done(number, result)
            if result.ok:
                outcome.passed += 1
            else:
                outcome.failed += 1
                outcome.failures.append(f"{loaded.slice} {number}. {step.title}: {'; '.join(result.problems)}")
        return outcome

    def run_step(self, step: Step, variables: dict[str, JsonValue]) -> StepResult:
        result = StepResult(step=step)
        try:
            result.sent = _prepare(step.request, variables)
        except MissingVariable as missing:
            result.error = f"not sent: {{{missing.name}}} was never captured (an earlier step failed)"
            return result
        try:
            result.answer = self._send(result.sent, expected_status=step.expect.status)
        except httpx.HTTPError as error:
            result.error = f"no answer: {type(error).__name__}: {error}"
            return result
        # Captured before judging, so a step's own expectations can name what it captured.
        for name, path in step.capture.items():
            value = lookup(result.answer.body, path)
            if value is MISSING:
                result.checks.append(Check(False, f"capture {{{name}}} from {path}", "got nothing (no such field)"))
            else:
                variables[name] = value  # type: ignore[assignment]  # MISSING was ruled out just above
                result.captured.append(name)
        for name, header in step.capture_headers.items():
            if header in result.answer.headers:
                variables[name] = result.answer.headers[header]
                result.captured.append(name)
            else:
                result.checks.append(Check(False, f"capture {{{name}}} from header {header}", "no such header"))
        result.checks = judge(step.expect, result.answer, variables) + result.checks
        return result

    def _send(self, sent: Sent, *, expected_status: int) -> Answer:
        content = json.dumps(sent.body).encode() if sent.has_body else None
        for attempt in range(MAX_RATE_LIMIT_RETRIES + 1):
            response = self._client.request(sent.method, sent.path, headers=sent.headers, content=content)
            wait = _retry_after(response)
            if (
                response.status_code != RATE_LIMITED
                or expected_status == RATE_LIMITED
                or attempt == MAX_RATE_LIMIT_RETRIES
                or wait > MAX_RATE_LIMIT_WAIT_SECONDS
            ):
                return _answer(response)
            self._reporter.waiting(wait, f"429 from {sent.method} {sent.path}; the server's Retry-After says")
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt always returns")


def _prepare(request: Request, variables: dict[str, JsonValue]) -> Sent:
    headers = {name: fill_string(value, variables) for name, value in request.headers.items()}
    if request.has_body and not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
    return Sent(
        method=request.method,
        path=fill_string(request.path, variables),
        headers=headers,
        body=fill(request.body, variables) if request.has_body else None,
        has_body=request.has_body,
    )


def _answer(response: httpx.Response) -> Answer:
    content = response.content
    body: JsonValue = None
    if content:
        try:
            body = json.loads(content)
        except ValueError:
            body = response.text
    return Answer(
        status=response.status_code,
        reason=response.reason_phrase,
        headers=response.headers,
        body=body,
        content=content,
    )


def _retry_after(response: httpx.Response) -> float:
    try:
        return float(response.headers.get("retry-after", DEFAULT_RETRY_AFTER_SECONDS)) + 0.5
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS
