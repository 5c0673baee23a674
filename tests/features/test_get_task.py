"""GET /api/tasks/{id}: the caller's task, 404 for anything else, 401 once signed out."""

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import create_task, revoke, signed_in_user


async def test_returns_the_callers_task(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me, title="Read", description="a book")
    response = await client.get(f"/api/tasks/{task.id}", headers=me.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"], body["description"], body["user_id"]) == (
        str(task.id),
        "Read",
        "a book",
        me.user.id,
    )


@pytest.mark.parametrize(
    "task_id", ["nope", "123", "3f2c9a0e-8f7b-4a55-9a53-0c6f1f0d2bZZ", "00000000-0000-4000-8000-000000000000"]
)
async def test_malformed_or_unknown_ids_are_404(client: httpx.AsyncClient, kernel: Kernel, task_id: str) -> None:
    me = await signed_in_user(kernel)
    response = await client.get(f"/api/tasks/{task_id}", headers=me.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Task not found", "message": "Task not found"})


async def test_a_revoked_sign_in_is_401_not_404(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    await revoke(kernel, me)
    for task_id in (task.id, "00000000-0000-4000-8000-000000000000"):
        response = await client.get(f"/api/tasks/{task_id}", headers=me.headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_if_none_match_with_the_current_tag_is_304_until_the_task_changes(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    first = await client.get(f"/api/tasks/{task.id}", headers=me.headers)
    tag = first.headers["ETag"]
    for held in (tag, f"W/{tag}", f'"0", {tag}', "*"):
        cached = await client.get(f"/api/tasks/{task.id}", headers=me.headers | {"If-None-Match": held})
        assert (cached.status_code, cached.content, cached.headers["ETag"]) == (304, b"", tag)
        assert "Content-Type" not in cached.headers
    await client.patch(f"/api/tasks/{task.id}/toggle", headers=me.headers)
    fresh = await client.get(f"/api/tasks/{task.id}", headers=me.headers | {"If-None-Match": tag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != tag
    assert fresh.json()["completed"] is True


async def test_if_none_match_never_hides_a_404_or_a_malformed_header(client: httpx.AsyncClient, kernel: Kernel) -> None:
    owner, stranger = await signed_in_user(kernel), await signed_in_user(kernel)
    task = await create_task(kernel, owner)
    assert (
        await client.get(f"/api/tasks/{task.id}", headers=stranger.headers | {"If-None-Match": "*"})
    ).status_code == 404
    malformed = await client.get(f"/api/tasks/{task.id}", headers=owner.headers | {"If-None-Match": "1"})
    assert malformed.status_code == 400
