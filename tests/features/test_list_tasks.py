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


# How many, the pages around, and the answer's ETag


async def five_tasks(kernel: Kernel, me: SignedInUser) -> None:
    for n in range(5):
        await create_task(kernel, me, title=f"task {n}", completed=n < 2)


def links_of(response: httpx.Response) -> dict[str, str]:
    found = {}
    for part in filter(None, response.headers.get("Link", "").split(", ")):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


async def test_x_total_count_matches_the_filter_whatever_the_page(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    await five_tasks(kernel, me)
    cases = {
        "/api/tasks": 5,
        "/api/tasks?status=completed": 2,
        "/api/tasks?status=pending&limit=1": 3,
        "/api/tasks?limit=2&offset=4": 5,
        "/api/tasks?offset=3": 5,
        "/api/tasks?offset=9": 5,
        "/api/tasks?limit=2&offset=9": 5,
    }
    for url, total in cases.items():
        response = await client.get(url, headers=me.headers)
        assert (response.status_code, response.headers["X-Total-Count"]) == (200, str(total)), url
    stranger = await signed_in_user(kernel)
    assert (await client.get("/api/tasks?limit=2", headers=stranger.headers)).headers["X-Total-Count"] == "0"


async def test_link_names_the_next_and_previous_pages_keeping_the_other_parameters(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    me = await signed_in_user(kernel)
    await five_tasks(kernel, me)
    base = "/api/tasks?sort=title&limit=2"
    first = await client.get(base, headers=me.headers)
    assert links_of(first) == {"next": "/api/tasks?sort=title&limit=2&offset=2"}
    middle = await client.get(f"{base}&offset=2", headers=me.headers)
    assert links_of(middle) == {
        "next": "/api/tasks?sort=title&limit=2&offset=4",
        "prev": "/api/tasks?sort=title&limit=2&offset=0",
    }
    last = await client.get(links_of(middle)["next"], headers=me.headers)
    assert [task["title"] for task in last.json()] == ["task 4"]
    assert links_of(last) == {"prev": "/api/tasks?sort=title&limit=2&offset=2"}
    # Walking the next links visits every task once.
    seen, url = [], base
    while url:
        page = await client.get(url, headers=me.headers)
        seen += [task["title"] for task in page.json()]
        url = links_of(page).get("next", "")
    assert seen == [f"task {n}" for n in range(5)]
    assert "Link" not in (await client.get("/api/tasks?limit=5", headers=me.headers)).headers
    assert "Link" not in (await client.get("/api/tasks", headers=me.headers)).headers
    assert "Link" not in (await client.get(f"{base}&offset=10", headers=me.headers)).headers
    scoped = await client.get(f"/api/{me.user.id}/tasks?limit=2", headers=me.headers)
    assert links_of(scoped) == {"next": f"/api/{me.user.id}/tasks?limit=2&offset=2"}


async def test_the_list_etag_is_304_until_a_task_in_it_or_the_set_changes(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    me = await signed_in_user(kernel)
    task = await create_task(kernel, me)
    url = "/api/tasks?limit=1&order=asc"
    first = await client.get(url, headers=me.headers)
    tag = first.headers["ETag"]
    cached = await client.get(url, headers=me.headers | {"If-None-Match": tag})
    assert (cached.status_code, cached.content, cached.headers["ETag"]) == (304, b"", tag)
    await client.patch(f"/api/tasks/{task.id}/toggle", headers=me.headers)
    toggled = await client.get(url, headers=me.headers | {"If-None-Match": tag})
    assert toggled.status_code == 200
    tag = toggled.headers["ETag"]
    # A task beyond this page still changes the answer: the total moves.
    await create_task(kernel, me, title="newer")
    grown = await client.get(url, headers=me.headers | {"If-None-Match": tag})
    assert (grown.status_code, grown.json()[0]["id"], grown.headers["X-Total-Count"]) == (200, str(task.id), "2")
    other = await signed_in_user(kernel)
    assert (await client.get(url, headers=other.headers | {"If-None-Match": tag})).status_code == 200
