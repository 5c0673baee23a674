"""POST /api/tasks: validation, ownership from the token, verbatim text, Location, revoked sign-ins."""

from datetime import datetime

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import count_tasks, revoke, signed_in_user, stored_task


async def test_creates_a_task_owned_by_the_caller(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    response = await client.post("/api/tasks", json={"title": "  Buy milk  ", "description": "oat"}, headers=me.headers)
    assert response.status_code == 201
    task = response.json()
    assert set(task) == {
        "id",
        "title",
        "description",
        "completed",
        "is_completed",
        "created_at",
        "updated_at",
        "user_id",
    }
    assert (task["title"], task["description"], task["completed"], task["user_id"]) == (
        "Buy milk",
        "oat",
        False,
        me.user.id,
    )
    assert response.headers["Location"] == f"/api/tasks/{task['id']}"
    assert task["created_at"] == task["updated_at"]
    assert task["created_at"].endswith(("Z", "+00:00"))
    assert datetime.fromisoformat(task["created_at"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    row = await stored_task(kernel, task["id"])
    assert row is not None
    assert row.title == "Buy milk"
    assert row.user_id == me.user.id


async def test_ids_and_owners_in_the_body_are_ignored(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me, other = await signed_in_user(kernel), await signed_in_user(kernel)
    forged_id = "00000000-0000-4000-8000-000000000000"
    body = {"title": "Mine", "id": forged_id, "user_id": other.user.id, "completed": True}
    task = (await client.post("/api/tasks", json=body, headers=me.headers)).json()
    assert task["user_id"] == me.user.id
    assert task["id"] != forged_id
    assert task["completed"] is True


@pytest.mark.parametrize(
    "text",
    ["Café ☕ 寿司 🍣", 'it\'s "quoted" \\ back', "'; DROP TABLE tasks; --", "Robert'); DELETE FROM users;--"],
)
async def test_text_round_trips_verbatim(client: httpx.AsyncClient, kernel: Kernel, text: str) -> None:
    me = await signed_in_user(kernel)
    task = (await client.post("/api/tasks", json={"title": text, "description": text}, headers=me.headers)).json()
    fetched = (await client.get(f"/api/tasks/{task['id']}", headers=me.headers)).json()
    assert fetched["title"] == fetched["description"] == text
    row = await stored_task(kernel, task["id"])
    assert row is not None
    assert row.title == text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": None}, "title"),
        ({"title": 42}, "title"),
        ({"title": "ok", "description": "x" * 2001}, "description"),
        ({"title": "ok", "completed": "yes"}, "completed"),
        ({"title": "ok", "completed": 1}, "completed"),
    ],
)
async def test_invalid_bodies_are_422(client: httpx.AsyncClient, kernel: Kernel, body: dict, field: str) -> None:
    me = await signed_in_user(kernel)
    response = await client.post("/api/tasks", json=body, headers=me.headers)
    assert response.status_code == 422
    assert any(problem["loc"][-1] == field for problem in response.json()["detail"])
    assert (await client.get("/api/tasks", headers=me.headers)).json() == []


async def test_limits_are_inclusive(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    body = {"title": "x" * 200, "description": "y" * 2000}
    response = await client.post("/api/tasks", json=body, headers=me.headers)
    assert response.status_code == 201
    assert (len(response.json()["title"]), len(response.json()["description"])) == (200, 2000)


async def test_malformed_json_is_400(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    headers = me.headers | {"Content-Type": "application/json"}
    response = await client.post("/api/tasks", content=b'{"title": ', headers=headers)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


async def test_without_a_token_it_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/tasks", json={"title": "x"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_signed_out_caller_creates_nothing(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    await revoke(kernel, me)
    response = await client.post("/api/tasks", json={"title": "ghost"}, headers=me.headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert await count_tasks(kernel, me.user.id) == 0


@pytest.mark.parametrize("field", ["title", "description"])
async def test_nul_characters_are_refused_on_both_databases(
    client: httpx.AsyncClient, kernel: Kernel, field: str
) -> None:
    me = await signed_in_user(kernel)
    body = {"title": "ok", field: "before\x00after"}
    response = await client.post("/api/tasks", json=body, headers=me.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert await count_tasks(kernel, me.user.id) == 0
