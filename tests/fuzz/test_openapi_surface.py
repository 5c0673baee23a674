"""Fuzzes every operation in the OpenAPI document against a real server: no input, however malformed, gets a 5xx.

Schemathesis generates valid and invalid requests from the schema (bodies, query strings, path ids, headers);
each is sent signed in as a user who owns a task, so the fuzzed path ids sometimes reach a real row. Examples
are bounded and derandomised so CI stays fast and repeatable. Any case it ever finds goes to test_regressions.py.
"""

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.main import app as default_app
from app.shared.kernel import Kernel
from tests.conftest import test_settings as settings_for
from tests.conftest import throwaway_postgres_database
from tests.factories import create_task, signed_in_user
from tests.resilience.components import UvicornProcess, server_environment

pytestmark = pytest.mark.slow

# Bounded and repeatable for CI; FUZZ_EXAMPLES=500 FUZZ_RANDOM=1 for a deeper, different run on a workstation.
MAX_EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "25"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"
schema = schemathesis.openapi.from_dict(default_app.openapi())


@dataclass
class FuzzTarget:
    base_url: str
    kernel: Kernel
    session: requests.Session


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def fuzz_target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FuzzTarget]:
    if request.param == "sqlite":
        async for target in _serve(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"):
            yield target
        return
    async with throwaway_postgres_database() as url:
        async for target in _serve(url):
            yield target


async def _serve(database_url: str) -> AsyncIterator[FuzzTarget]:
    server = UvicornProcess(server_environment(database_url, LOG_LEVEL="ERROR"))
    kernel = Kernel.build(settings_for(database_url))
    try:
        server.start()
        server.wait_until_ready()
        with requests.Session() as session:
            yield FuzzTarget(server.base_url, kernel, session)
    finally:
        server.stop()
        await kernel.database.dispose()
        Path(server.log).unlink(missing_ok=True)


@dataclass
class Caller:
    headers: dict[str, str]
    task_id: str
    turns: Iterator[int]


@pytest.fixture
async def caller(fuzz_target: FuzzTarget) -> Caller:
    """A fresh sign-in per operation: fuzzing sign-out or refresh must not revoke the token of the next one."""
    user = await signed_in_user(fuzz_target.kernel)
    task = await create_task(fuzz_target.kernel, user, title="fuzzed", description="target of fuzzed ids")
    return Caller(headers=user.headers, task_id=str(task.id), turns=itertools.count())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gets_a_server_error(case: Any, fuzz_target: FuzzTarget, caller: Caller) -> None:
    # Every other case aims a path id at the caller's real task, so updates and deletes run for real.
    if case.path_parameters and next(caller.turns) % 2 == 0:
        case.path_parameters = dict.fromkeys(case.path_parameters, caller.task_id)
    case.call_and_validate(
        base_url=fuzz_target.base_url,
        session=fuzz_target.session,
        headers=caller.headers,
        checks=[not_a_server_error],
        timeout=30,
    )
