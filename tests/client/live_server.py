"""`live_server`: `uvicorn app.main:app` on a database of its own, once on SQLite and once on PostgreSQL.

A fresh database per server (not the session's shared one): what a Node client leaves behind (its users and
sign-ins) must not meet the in-process tests that follow.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from tests.conftest import BACKENDS, throwaway_postgres_database
from tests.resilience.components import UvicornProcess, server_environment, uvicorn_process


@pytest.fixture(scope="module", params=BACKENDS)
async def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[UvicornProcess]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            database_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('live') / 'todo.db'}"
        else:
            database_url = await stack.enter_async_context(throwaway_postgres_database())
        server = stack.enter_context(uvicorn_process(server_environment(database_url, LOG_LEVEL="WARNING")))
        server.start()
        server.wait_until_ready()
        yield server
