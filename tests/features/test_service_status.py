"""Service routes: info, liveness, readiness, and the generated docs with the bearer scheme."""

import httpx

from app.shared.http.task_routes import USER_TASKS_TAG, TaskRouter
from tests.inventory import discovered_slices, slice_router


async def test_root_names_the_service_and_its_docs(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.json() == {"name": "Todo API", "version": "1.0.0", "docs": "/docs"}


async def test_health_is_ok_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_docs_pages_are_served(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        response = await client.get(page)
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "judge-42"})
    generated = await client.get("/health")
    assert echoed.headers["X-Request-ID"] == "judge-42"
    assert len(generated.headers["X-Request-ID"]) == 32


async def test_docs_tag_every_slice_and_give_every_body_an_example(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = [(path, operation) for path, item in spec["paths"].items() for operation in item.values()]

    # Every discovered slice's tag is in the document; the task slices share one, their area's, and their
    # /api/{user_id} copies one of their own.
    slice_tags = {name: slice_router(name).tags[0] for name in discovered_slices()}
    assert {operation["tags"][0] for _, operation in operations} == {*slice_tags.values(), USER_TASKS_TAG}
    assert {tag for name, tag in slice_tags.items() if isinstance(slice_router(name), TaskRouter)} == {"Tasks"}
    # Every JSON body of an /api route, sent or answered, has an example where Swagger and Postman look for it.
    for path, operation in operations:
        if not path.startswith("/api/"):
            continue
        bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
        for body in bodies:
            media = body.get("content", {}).get("application/json")
            if media is not None:
                assert "example" in media or media.get("examples"), (path, media)
