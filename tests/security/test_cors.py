"""CORS: the frontend's origin may call the API from a browser, others may not; every answer varies on Origin."""

import httpx
import pytest

ALLOWED = "http://localhost:3000"


async def test_a_request_without_an_origin_gets_no_cors_headers_but_varies_on_origin(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


async def test_the_frontends_origin_is_allowed_with_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in response.headers["vary"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:3001", "null"])
async def test_another_origin_is_not_allowed(client: httpx.AsyncClient, origin: str) -> None:
    response = await client.get("/health", headers={"Origin": origin})
    assert "access-control-allow-origin" not in response.headers
    preflight = await client.options("/api/tasks", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


async def test_a_preflight_from_the_frontend_is_answered(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/tasks",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED


async def test_a_browser_may_send_the_safe_write_headers_and_read_their_answers(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/tasks",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, if-match, if-none-match, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    allowed = {name.strip().lower() for name in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"if-match", "if-none-match", "idempotency-key"} <= allowed
    response = await client.get("/health", headers={"Origin": ALLOWED})
    exposed = {name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "x-total-count", "link", "idempotent-replayed"} <= exposed
