"""Headers every response carries, and the ones that keep personal data out of caches."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import client_for
from tests.security.logs import captured_logs
from tests.security.probes import FAILING_PROBE, LEAKY_DETAIL, with_probes

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]

ALWAYS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


@pytest.mark.parametrize("path", ["/", "/health", "/docs", "/redoc", "/openapi.json", "/no-such-page"])
async def test_every_response_says_nosniff_and_no_referrer(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert {name: response.headers.get(name) for name in ALWAYS} == ALWAYS


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_docs_pages_keep_working(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/openapi.json" in response.text
    schema = await client.get("/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


async def test_auth_and_task_responses_are_never_stored_by_a_cache(client: httpx.AsyncClient) -> None:
    signed_up = await client.post(
        "/api/auth/signup", json={"email": "cache@example.com", "password": "correct horse battery", "name": "C"}
    )
    headers = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
    created = await client.post("/api/tasks", json={"title": "private"}, headers=headers)
    responses = [
        signed_up,
        created,
        await client.get("/api/tasks", headers=headers),
        await client.get("/api/auth/me", headers=headers),
        await client.delete(f"/api/tasks/{created.json()['id']}", headers=headers),
        await client.post("/api/auth/signin", json={"email": "cache@example.com", "password": "wrong-password"}),
        await client.get("/api/tasks"),
        await client.get("/api/anything-else"),
    ]
    assert [r.status_code for r in responses] == [201, 201, 200, 200, 204, 401, 401, 404]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"
        assert {name: response.headers.get(name) for name in ALWAYS} == ALWAYS


async def test_service_routes_leave_caching_alone(client: httpx.AsyncClient) -> None:
    assert "cache-control" not in (await client.get("/health")).headers


async def test_an_unexpected_error_is_a_bare_500_that_still_carries_the_headers(app_with: AppWith) -> None:
    async with app_with() as app, client_for(with_probes(app)) as client:
        with captured_logs() as records:
            response = await client.get(FAILING_PROBE)
    assert (response.status_code, response.json()) == (
        500,
        {"detail": "Internal server error", "message": "Internal server error"},
    )
    assert LEAKY_DETAIL not in response.text
    assert {name: response.headers.get(name) for name in ALWAYS} == ALWAYS
    assert len(response.headers["X-Request-ID"]) == 32
    assert any(record["exception"] is not None for record in records), "the bug must be logged for the operator"
