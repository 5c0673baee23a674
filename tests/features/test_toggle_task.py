"""PATCH /api/tasks/{id}/toggle and /complete: one atomic flip per call, even under concurrency."""

import asyncio

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import create_task, revoke, signed_in_user, stored_task

ALIASES = ["toggle", "complete"]


@pytest.mark.parametrize("alias", ALIASES)
async def test_flips_completed_both_ways(client: httpx.AsyncClient, kernel: Kernel, alias: str) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    first = await client.patch(f"/api/tasks/{task.id}/{alias}", headers=me.headers)
    second = await client.patch(f"/api/tasks/{task.id}/{alias}", headers=me.headers)
    assert (first.status_code, first.json()["completed"]) == (200, True)
    assert (second.status_code, second.json()["completed"]) == (200, False)
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert row.updated_at > task.updated_at
    assert row.created_at == task.created_at


async def test_concurrent_toggles_are_never_lost(client: httpx.AsyncClient, kernel: Kernel, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("row-level concurrency is PostgreSQL's to show; SQLite serialises every writer")
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, completed=False)
    responses = await asyncio.gather(
        *(client.patch(f"/api/tasks/{task.id}/toggle", headers=me.headers) for _ in range(40))
    )
    assert {response.status_code for response in responses} == {200}
    states = [response.json()["completed"] for response in responses]
    # Each response shows the state its own flip produced: 20 flips to true, 20 back to false.
    assert (states.count(True), states.count(False)) == (20, 20)
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert row.completed is False


@pytest.mark.parametrize("alias", ALIASES)
async def test_unknown_is_404_and_revoked_is_401(client: httpx.AsyncClient, kernel: Kernel, alias: str) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    assert (await client.patch(f"/api/tasks/zzz/{alias}", headers=me.headers)).status_code == 404
    await revoke(kernel, me)
    assert (await client.patch(f"/api/tasks/{task.id}/{alias}", headers=me.headers)).status_code == 401
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert row.completed is False
