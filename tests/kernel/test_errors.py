"""Errors become HTTP in one place: 400 for broken JSON, 422 for invalid input, 503 when the database is away,
and a bare 500 that leaks nothing."""

import socket
import time
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from loguru import logger

from app.main import create_app
from app.shared.kernel import Kernel
from tests.conftest import client_for, test_settings
from tests.factories import signed_in_user


async def test_malformed_json_is_400_not_422(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    for body in (b'{"title": ', b"not json at all", b'{"title": "x",}'):
        response = await client.post(
            "/api/tasks", content=body, headers=me.headers | {"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json() == {
            "detail": "Request body is not valid JSON",
            "message": "Request body is not valid JSON",
        }


async def test_validation_errors_keep_fastapis_list_form(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    response = await client.post("/api/tasks", json={"title": ""}, headers=me.headers)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert set(problem) >= {"loc", "msg", "type"}
    assert problem["loc"] == ["body", "title"]


async def test_unknown_routes_and_methods_keep_the_detail_shape(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/nothing-here")
    wrong_method = await client.delete("/health")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found", "message": "Not Found"})
    assert wrong_method.status_code == 405
    assert "detail" in wrong_method.json()


async def test_an_unexpected_error_is_a_bare_500_logged_with_its_request_id(database_url: str) -> None:
    app = create_app(test_settings(database_url))
    broken = APIRouter()

    @broken.get("/boom")
    async def boom() -> None:
        raise RuntimeError("SELECT secret FROM vault -- password=hunter2")

    app.include_router(broken)
    records: list[dict[str, Any]] = []
    sink = logger.add(lambda message: records.append(message.record), level="ERROR")
    try:
        async with app.router.lifespan_context(app), client_for(app) as client:
            response = await client.get("/boom", headers={"X-Request-ID": "trace-me-500"})
    finally:
        logger.remove(sink)
    assert (response.status_code, response.json()) == (
        500,
        {"detail": "Internal server error", "message": "Internal server error"},
    )
    assert response.headers["X-Request-ID"] == "trace-me-500"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    [record] = records
    assert record["extra"]["request_id"] == "trace-me-500"
    assert record["exception"] is not None


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_database_is_503_with_retry_after_and_the_process_stays_up() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nowhere"
    app = create_app(test_settings(url, db_connect_timeout_seconds=1))
    kernel: Kernel = app.state.kernel
    token = kernel.tokens.mint("access", user_id="u1", email="u1@example.com", name="U", sign_in_id="s1").token
    async with app.router.lifespan_context(app), client_for(app) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.headers["Retry-After"] == str(kernel.settings.retry_after_seconds)
        kernel.database.schema_ready = True  # as if migrated earlier: the failure must come from the connection
        started = time.monotonic()
        response = await client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(kernel.settings.retry_after_seconds)
    assert elapsed < 10  # a generous bound: it must never hang


async def test_the_app_is_a_fastapi_app_with_docs(app: FastAPI) -> None:
    assert app.docs_url == "/docs"
    assert app.redoc_url == "/redoc"
