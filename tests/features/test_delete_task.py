"""DELETE /api/tasks/{id}: 204 with an empty body, then the task is gone."""

import httpx

from app.shared.kernel import Kernel
from tests.factories import create_task, revoke, signed_in_user, stored_task


async def test_deletes_and_answers_204_with_no_body(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    response = await client.delete(f"/api/tasks/{task.id}", headers=me.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert await stored_task(kernel, task.id) is None
    assert (await client.get(f"/api/tasks/{task.id}", headers=me.headers)).status_code == 404
    assert (await client.delete(f"/api/tasks/{task.id}", headers=me.headers)).status_code == 404


async def test_a_revoked_sign_in_deletes_nothing(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    await revoke(kernel, me)
    assert (await client.delete(f"/api/tasks/{task.id}", headers=me.headers)).status_code == 401
    assert await stored_task(kernel, task.id) is not None
