"""What the document shows is what the server answers: its error examples, its `Location`, its password sign-in.

The examples a client or a mock server reads must be real answers, so each one checked here is compared with
the server's own answer to the request that provokes it, on SQLite and on PostgreSQL.
"""

from typing import Any

import httpx
import pytest

from app.shared.kernel import Kernel
from tests.factories import create_user, signed_in_user
from tests.openapi.documents import document, operations

PASSWORD = "correct horse battery"


async def spec_of(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await client.get("/openapi.json")).json()  # type: ignore[no-any-return]


def example(spec: dict[str, Any], method: str, path: str, status: int) -> Any:
    return spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["example"]


def first_request_example(operation: dict[str, Any]) -> Any:
    media = operation["requestBody"]["content"]["application/json"]
    return media["example"] if "example" in media else next(iter(media["examples"].values()))["value"]


async def test_the_401_example_is_the_answer_to_a_call_without_a_token(client: httpx.AsyncClient) -> None:
    spec = await spec_of(client)
    response = await client.get("/api/tasks")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")
    assert response.json() == example(spec, "get", "/api/tasks", 401)


async def test_the_400_and_413_examples_are_the_answers_to_a_broken_and_a_huge_body(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    spec = await spec_of(client)
    broken = await client.post("/api/tasks", content=b'{"title": ', headers={"Content-Type": "application/json"})
    assert (broken.status_code, broken.json()) == (400, example(spec, "post", "/api/tasks", 400))
    huge = b'{"title": "' + b"x" * kernel.settings.max_body_bytes + b'"}'
    refused = await client.post("/api/tasks", content=huge, headers={"Content-Type": "application/json"})
    assert (refused.status_code, refused.json()) == (413, example(spec, "post", "/api/tasks", 413))


async def test_the_422_example_is_the_answer_to_a_blank_title(client: httpx.AsyncClient, kernel: Kernel) -> None:
    spec = await spec_of(client)
    me = await signed_in_user(kernel)
    response = await client.post("/api/tasks", json={"title": " "}, headers=me.headers)
    assert (response.status_code, response.json()) == (422, example(spec, "post", "/api/tasks", 422))


CREATES = [
    (method, path)
    for method, path, _, operation in operations(document())
    if "Location" in operation["responses"].get("201", {}).get("headers", {})
]


@pytest.mark.parametrize(("method", "path"), CREATES, ids=[f"{method} {path}" for method, path in CREATES])
async def test_a_documented_location_is_sent_and_names_what_was_created(
    client: httpx.AsyncClient, kernel: Kernel, method: str, path: str
) -> None:
    spec = await spec_of(client)
    me = await signed_in_user(kernel)
    body = first_request_example(spec["paths"][path][method.lower()])
    created = await client.request(method, path.format(user_id=me.user.id), json=body, headers=me.headers)
    assert created.status_code == 201, created.text
    read = await client.get(created.headers["Location"], headers=me.headers)
    assert (read.status_code, read.json()) == (200, created.json())


async def test_the_password_sign_in_of_the_authorize_dialog_answers_a_bearer_token(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    spec = await spec_of(client)
    flow = spec["components"]["securitySchemes"]["OAuth2Password"]["flows"]["password"]
    user = await create_user(kernel, email="ada@example.com", password=PASSWORD)
    # What Swagger UI sends for the password flow, client id and secret left empty.
    form = {"grant_type": "password", "username": "ada@example.com", "password": PASSWORD, "scope": ""}
    answer = await client.post(flow["tokenUrl"], data=form)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "bearer"
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"})
    assert me.json()["id"] == user.id


async def test_the_412_and_400_examples_of_a_conditional_write_are_its_answers(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    spec = await spec_of(client)
    me = await signed_in_user(kernel)
    created = await client.post("/api/tasks", json={"title": "tagged"}, headers=me.headers)
    stale = created.headers["ETag"]
    path = f"/api/tasks/{created.json()['id']}/toggle"
    toggled = await client.patch(path, headers=me.headers | {"If-Match": stale})
    assert toggled.status_code == 200
    refused = await client.patch(path, headers=me.headers | {"If-Match": stale})
    documented = example(spec, "patch", "/api/tasks/{task_id}/toggle", 412)
    assert refused.status_code == 412
    assert refused.headers["ETag"] == toggled.headers["ETag"]
    assert refused.json() == {**documented, "task": toggled.json()}
    malformed = await client.patch(path, headers=me.headers | {"If-Match": "3"})
    assert (malformed.status_code, malformed.json()) == (
        400,
        example(spec, "patch", "/api/tasks/{task_id}/toggle", 400),
    )


async def test_a_documented_304_is_sent_with_the_tag_and_no_body(client: httpx.AsyncClient, kernel: Kernel) -> None:
    spec = await spec_of(client)
    me = await signed_in_user(kernel)
    created = await client.post("/api/tasks", json={"title": "tagged"}, headers=me.headers)
    assert "304" in spec["paths"]["/api/tasks/{task_id}"]["get"]["responses"]
    tag = created.headers["ETag"]
    unchanged = await client.get(created.headers["Location"], headers=me.headers | {"If-None-Match": tag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["ETag"]) == (304, b"", tag)


async def test_a_documented_replay_is_marked_and_a_reused_key_is_the_documented_422(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    spec = await spec_of(client)
    me = await signed_in_user(kernel)
    keyed = me.headers | {"Idempotency-Key": "documented-replay"}
    first = await client.post("/api/tasks", json={"title": "once"}, headers=keyed)
    again = await client.post("/api/tasks", json={"title": "once"}, headers=keyed)
    assert "Idempotent-Replayed" in spec["paths"]["/api/tasks"]["post"]["responses"]["201"]["headers"]
    assert (first.status_code, "Idempotent-Replayed" in first.headers) == (201, False)
    assert (again.status_code, again.headers["Idempotent-Replayed"], again.json()) == (201, "true", first.json())
    elsewhere = await client.patch(f"/api/tasks/{first.json()['id']}/toggle", headers=keyed)
    documented = example(spec, "patch", "/api/tasks/{task_id}/toggle", 422)
    assert (elsewhere.status_code, elsewhere.json()) == (422, documented)


async def test_every_header_documented_on_a_page_of_the_list_is_sent(client: httpx.AsyncClient, kernel: Kernel) -> None:
    spec = await spec_of(client)
    me = await signed_in_user(kernel)
    for title in ("one", "two", "three"):
        await client.post("/api/tasks", json={"title": title}, headers=me.headers)
    page = await client.get("/api/tasks", params={"limit": 1, "offset": 1}, headers=me.headers)
    documented = spec["paths"]["/api/tasks"]["get"]["responses"]["200"]["headers"]
    rate_limited = {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}  # off in tests
    assert [name for name in set(documented) - rate_limited if name not in page.headers] == []
    assert page.headers["X-Total-Count"] == "3"
    assert 'rel="next"' in page.headers["Link"]
    assert 'rel="prev"' in page.headers["Link"]
    unchanged = await client.get(
        "/api/tasks", params={"limit": 1, "offset": 1}, headers=me.headers | {"If-None-Match": page.headers["ETag"]}
    )
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert "304" in spec["paths"]["/api/tasks"]["get"]["responses"]
