"""PUT and PATCH /api/tasks/{id}: only the fields given change, and updated_at moves."""

import asyncio

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import create_task, revoke, signed_in_user, stored_task

VERBS = ["PUT", "PATCH"]


@pytest.mark.parametrize("verb", VERBS)
async def test_changes_only_the_fields_given(client: httpx.AsyncClient, kernel: Kernel, verb: str) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, title="Old", description="keep me", completed=False)
    await asyncio.sleep(0.002)  # so a moved updated_at is visible at microsecond resolution
    response = await client.request(verb, f"/api/tasks/{task.id}", json={"title": "  New  "}, headers=me.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["completed"]) == ("New", "keep me", False)
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert (row.title, row.description, row.completed) == ("New", "keep me", False)
    assert row.created_at == task.created_at
    assert row.updated_at > task.updated_at


@pytest.mark.parametrize("verb", VERBS)
async def test_null_description_clears_it(client: httpx.AsyncClient, kernel: Kernel, verb: str) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, description="something")
    response = await client.request(verb, f"/api/tasks/{task.id}", json={"description": None}, headers=me.headers)
    assert response.status_code == 200
    assert response.json()["description"] is None


@pytest.mark.parametrize("verb", VERBS)
async def test_completed_can_be_set(client: httpx.AsyncClient, kernel: Kernel, verb: str) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    response = await client.request(verb, f"/api/tasks/{task.id}", json={"completed": True}, headers=me.headers)
    assert response.json()["completed"] is True


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": "someone-else"},
        {"title": None},
        {"title": ""},
        {"title": "x" * 201},
        {"description": "x" * 2001},
        {"completed": None},
        {"completed": "true"},
    ],
)
async def test_invalid_changes_are_422_and_change_nothing(
    client: httpx.AsyncClient, kernel: Kernel, verb: str, body: dict
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, title="Same", description="same")
    response = await client.request(verb, f"/api/tasks/{task.id}", json=body, headers=me.headers)
    assert response.status_code == 422
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert (row.title, row.description, row.updated_at) == ("Same", "same", task.updated_at)


@pytest.mark.parametrize("verb", VERBS)
async def test_the_owner_cannot_be_changed(client: httpx.AsyncClient, kernel: Kernel, verb: str) -> None:
    me, other = await signed_in_user(kernel), await signed_in_user(kernel)
    task = await create_task(kernel, me)
    body = {"title": "t", "user_id": other.user.id, "id": "00000000-0000-4000-8000-000000000000"}
    response = await client.request(verb, f"/api/tasks/{task.id}", json=body, headers=me.headers)
    assert (response.json()["user_id"], response.json()["id"]) == (me.user.id, str(task.id))


@pytest.mark.parametrize("verb", VERBS)
async def test_unknown_task_is_404_and_revoked_sign_in_401(
    client: httpx.AsyncClient, kernel: Kernel, verb: str
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, title="Kept")
    missing = await client.request(verb, "/api/tasks/not-a-uuid", json={"title": "x"}, headers=me.headers)
    assert missing.status_code == 404
    await revoke(kernel, me)
    revoked = await client.request(verb, f"/api/tasks/{task.id}", json={"title": "x"}, headers=me.headers)
    assert revoked.status_code == 401
    row = await stored_task(kernel, task.id)
    assert row is not None
    assert row.title == "Kept"
