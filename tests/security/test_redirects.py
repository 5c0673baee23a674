"""A trailing slash is served, never redirected: no answer names the Host the request was sent with.

Starlette's default answered `GET /api/tasks/` with `307 Location: http://<Host header>/api/tasks`, an absolute
URL built from whatever Host the client (or an attacker, through a cache or a confused proxy) chose.
"""

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import create_task, signed_in_user

EVIL = "evil.example"


def names_no_host(response: httpx.Response) -> bool:
    texts = [response.text, *(f"{name}: {value}" for name, value in response.headers.items())]
    return not any(EVIL in text for text in texts)


async def test_get_with_a_trailing_slash_is_served_with_its_query(client: httpx.AsyncClient, kernel: Kernel) -> None:
    owner = await signed_in_user(kernel)
    done = await create_task(kernel, owner, title="done", completed=True)
    await create_task(kernel, owner, title="pending")
    headers = owner.headers | {"Host": EVIL}
    listed = await client.get("/api/tasks/", params={"status": "completed"}, headers=headers)
    assert listed.status_code == 200
    assert [task["id"] for task in listed.json()] == [str(done.id)]
    assert "location" not in listed.headers
    assert names_no_host(listed)
    one = await client.get(f"/api/tasks/{done.id}/", headers=headers)
    assert (one.status_code, one.json()["id"]) == (200, str(done.id))


async def test_post_with_a_trailing_slash_creates_the_task_with_its_body(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    owner = await signed_in_user(kernel)
    created = await client.post(
        "/api/tasks/", json={"title": "slash", "description": "kept"}, headers=owner.headers | {"Host": EVIL}
    )
    assert created.status_code == 201
    assert (created.json()["title"], created.json()["description"]) == ("slash", "kept")
    assert created.headers["location"] == f"/api/tasks/{created.json()['id']}"
    assert names_no_host(created)
    listed = await client.get("/api/tasks", headers=owner.headers)
    assert [task["title"] for task in listed.json()] == ["slash"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/tasks/", 401),
        ("POST", "/api/tasks/", 401),
        ("PATCH", "/api/tasks/", 405),
        ("GET", "/api/tasks//", 401),
        ("GET", "/api/nothing/", 404),
        ("POST", "/api/auth/signin/", 422),
        ("GET", "/health/", 200),
        ("GET", "/docs/", 200),
        ("GET", "/", 200),
    ],
)
async def test_no_answer_names_the_host_it_was_sent(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path, headers={"Host": EVIL})
    assert response.status_code == status
    assert not response.is_redirect
    assert names_no_host(response)


async def test_the_schema_names_the_host_only_as_the_server_it_was_fetched_from(client: httpx.AsyncClient) -> None:
    # Naming it is the point (tests/openapi/test_served_document.py): a tool imports the document by its URL.
    response = await client.get("/openapi.json/", headers={"Host": EVIL})
    assert (response.status_code, response.is_redirect) == (200, False)
    document = response.json()
    assert document.pop("servers")[0]["url"] == f"http://{EVIL}"
    assert EVIL not in str(document)
    assert not any(EVIL in f"{name}: {value}" for name, value in response.headers.items())
