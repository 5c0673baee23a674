"""Service routes: info, liveness, readiness, and the generated docs with the bearer scheme."""

from typing import Any

import httpx

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


def _example_of(schema: dict[str, Any], components: dict[str, Any]) -> object:
    """The example Swagger shows for a body: the schema's own, its referenced model's, or its items'."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("type") == "array":
        return _example_of(schema["items"], components)
    if "anyOf" in schema:  # an optional body: the example of the model it may be
        return next(filter(None, (_example_of(option, components) for option in schema["anyOf"])), None)
    return schema.get("example") or schema.get("examples")


async def test_docs_give_each_task_slice_its_own_tag_and_every_body_an_example(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    components = spec["components"]["schemas"]
    operations = [(path, operation) for path, item in spec["paths"].items() for operation in item.values()]

    # Every discovered slice's tag is in the document, and each task slice has a tag of its own.
    slice_tags = {name: slice_router(name).tags[0] for name in discovered_slices()}
    assert {operation["tags"][0] for _, operation in operations} == set(slice_tags.values())
    task_slices = [name for name in slice_tags if name.endswith(("_task", "_tasks"))]
    assert len({slice_tags[name] for name in task_slices}) == len(task_slices)
    for path, operation in operations:
        if not path.startswith("/api/"):
            continue
        bodies = [operation.get("requestBody", {})] + [
            response for status, response in operation["responses"].items() if status.startswith("2")
        ]
        for body in bodies:
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                assert _example_of(schema, components), (path, schema)
