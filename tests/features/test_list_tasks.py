"""GET /api/tasks: the caller's tasks only, filtered, sorted (title case-insensitively) and paged."""

from datetime import timedelta

import httpx
import pytest

from app.shared.database.column_types import utc_now
from app.shared.kernel import Kernel
from tests.factories import SignedInUser, create_task, revoke, signed_in_user

MIXED_CASE = ["banana", "Apple", "cherry", "Date", "apple pie"]


async def tasks_of(kernel: Kernel, me: SignedInUser) -> list[str]:
    """Creates the mixed-case set with distinct created/updated times; returns titles in creation order."""
    start = utc_now() - timedelta(hours=1)
    for minute, title in enumerate(MIXED_CASE):
        created = start + timedelta(minutes=minute)
        # updated_at runs the other way, so "created" and "updated" orders differ.
        updated = start + timedelta(minutes=30 - minute)
        await create_task(kernel, me, title=title, completed=minute % 2 == 0, created_at=created, updated_at=updated)
    return MIXED_CASE


async def titles(client: httpx.AsyncClient, me: SignedInUser, query: str = "") -> list[str]:
    response = await client.get(f"/api/tasks{query}", headers=me.headers)
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()]


async def test_empty_list_is_an_empty_array(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    assert await titles(client, me) == []


async def test_only_the_callers_tasks(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me, other = await signed_in_user(kernel), await signed_in_user(kernel)
    await create_task(kernel, me, title="mine")
    await create_task(kernel, other, title="theirs")
    assert await titles(client, me) == ["mine"]
    assert await titles(client, other) == ["theirs"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["apple pie", "Date", "cherry", "Apple", "banana"]),
        ("?sort=created&order=asc", ["banana", "Apple", "cherry", "Date", "apple pie"]),
        ("?sort=updated", ["banana", "Apple", "cherry", "Date", "apple pie"]),
        ("?sort=updated&order=asc", ["apple pie", "Date", "cherry", "Apple", "banana"]),
        ("?sort=title", ["Apple", "apple pie", "banana", "cherry", "Date"]),
        ("?sort=title&order=desc", ["Date", "cherry", "banana", "apple pie", "Apple"]),
        ("?status=completed&sort=title", ["apple pie", "banana", "cherry"]),
        ("?status=pending&sort=title", ["Apple", "Date"]),
        ("?status=all&sort=title&limit=2", ["Apple", "apple pie"]),
        ("?sort=title&limit=2&offset=2", ["banana", "cherry"]),
        ("?sort=title&offset=4", ["Date"]),
        ("?sort=title&offset=5", []),
        ("?sort=title&offset=2147483647", []),
        ("?sort=title&colour=blue", ["Apple", "apple pie", "banana", "cherry", "Date"]),
    ],
)
async def test_filters_sorts_and_pages(
    client: httpx.AsyncClient, kernel: Kernel, query: str, expected: list[str]
) -> None:
    me = await signed_in_user(kernel)
    await tasks_of(kernel, me)
    assert await titles(client, me, query) == expected


async def test_pages_cover_every_task_exactly_once(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    same_time = utc_now()
    for number in range(7):  # equal sort keys: only the id tie-break keeps pages stable
        await create_task(kernel, me, title="same", created_at=same_time, updated_at=same_time, description=str(number))
    seen: list[str] = []
    for offset in range(0, 7, 3):
        response = await client.get(f"/api/tasks?limit=3&offset={offset}", headers=me.headers)
        seen += [task["description"] for task in response.json()]
    assert sorted(seen) == [str(number) for number in range(7)]


@pytest.mark.parametrize(
    "query",
    [
        "?status=finished",
        "?sort=priority",
        "?order=up",
        "?limit=0",
        "?limit=1001",
        "?offset=-1",
        "?offset=2147483648",
        "?limit=ten",
    ],
)
async def test_illegal_values_are_422(client: httpx.AsyncClient, kernel: Kernel, query: str) -> None:
    me = await signed_in_user(kernel)
    response = await client.get(f"/api/tasks{query}", headers=me.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


async def test_a_revoked_sign_in_is_401_even_with_tasks(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    await create_task(kernel, me)
    await revoke(kernel, me)
    response = await client.get("/api/tasks", headers=me.headers)
    assert response.status_code == 401
