"""A write that got a 2xx is still there after the server process is stopped and started again."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.conftest import test_settings as settings_for
from tests.factories import signed_in_user
from tests.resilience.components import server_environment, uvicorn_process

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def served_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'todo.db'}"
    return str(request.getfixturevalue("cluster_database"))


@pytest.fixture
async def side_kernel(served_database: str) -> AsyncIterator[Kernel]:
    """The test's own view of the server's database, to sign a user in without the auth routes."""
    kernel = Kernel.build(settings_for(served_database))
    yield kernel
    await kernel.database.dispose()


async def test_a_created_task_survives_a_server_restart(served_database: str, side_kernel: Kernel) -> None:
    with uvicorn_process(server_environment(served_database)) as server:
        server.start()
        server.wait_until_ready()
        user = await signed_in_user(side_kernel)
        async with httpx.AsyncClient(base_url=server.base_url, headers=user.headers) as http:
            created = await http.post("/api/tasks", json={"title": "survive the restart", "description": "🚀 ok"})
            assert created.status_code == 201, created.text

        server.stop()
        server.start()
        server.wait_until_ready()
        async with httpx.AsyncClient(base_url=server.base_url, headers=user.headers) as http:
            read_back = await http.get(f"/api/tasks/{created.json()['id']}")
            listed = await http.get("/api/tasks")

    assert (read_back.status_code, read_back.json()) == (200, created.json())
    assert listed.json() == [created.json()]
