"""Service routes: info, liveness, readiness, and the generated docs with the bearer scheme."""

import httpx


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
