"""The compiled fast path answers exactly as FastAPI's own route handling does, to the byte a client sees.

The same walk of requests (good, malformed, unauthorised, oversized, another user's, each route and alias) is
sent to two apps on the same database: one serving through the compiled routes, one made to serve every
request through FastAPI (dependency overrides, which the compiled plan leaves to FastAPI). Statuses, headers
and bodies must be equal once the values that differ by nature (ids, times, tokens, emails) are masked.
"""

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.conftest import client_for

Answer = tuple[str, int, list[tuple[str, str]], str]
_MASKS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"), "<time>"),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "<jwt>"),
    (re.compile(r"parity-[0-9a-f]+"), "<person>"),
    (re.compile(r'"refresh_token":"[^"]+"'), '"refresh_token":"<token>"'),
    (re.compile(r'"[0-9a-f]{32}"'), '"<list tag>"'),
]
_VARYING_HEADERS = {"x-request-id", "content-length", "location", "ratelimit-reset", "retry-after"}


def _masked(text: str) -> str:
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    return text


def _unused_dependency() -> None:
    """Never declared by a route: overriding it changes nothing but which path serves the requests."""


async def _walk(client: httpx.AsyncClient, email: str) -> list[Answer]:
    answers: list[Answer] = []

    async def send(label: str, method: str, path: str, **options: Any) -> httpx.Response:
        response = await client.request(method, path, **options)
        headers = sorted(
            (name, _masked(value)) for name, value in response.headers.items() if name not in _VARYING_HEADERS
        )
        answers.append((label, response.status_code, headers, _masked(response.text)))
        return response

    password = "parity password 1"
    signed_up = await send("sign up", "POST", "/api/auth/signup", json={"email": email, "password": password})
    tokens = signed_up.json()
    assert signed_up.status_code == 201, signed_up.text
    user_id = tokens["user"]["id"]
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    json_type = {"Content-Type": "application/json"}
    await send("sign up again", "POST", "/api/auth/signup", json={"email": email, "password": password})
    await send("sign up, bad email", "POST", "/api/auth/signup", json={"email": "nope", "password": password})
    await send("sign in", "POST", "/api/auth/signin", json={"email": email, "password": password})
    await send("sign in, wrong", "POST", "/api/auth/signin", json={"email": email, "password": "wrong password 1"})
    await send("me", "GET", "/api/auth/me", headers=auth)
    await send("refresh, garbage", "POST", "/api/auth/refresh", json={"refresh_token": "x"})
    created = await send("create", "POST", "/api/tasks", headers=auth, json={"title": " Buy milk ", "completed": True})
    task = f"/api/tasks/{created.json()['id']}"
    await send("create, minimal", "POST", "/api/tasks", headers=auth, json={"title": "x"})
    await send("create, no title", "POST", "/api/tasks", headers=auth, json={"description": "d"})
    await send(
        "create, both completed",
        "POST",
        "/api/tasks",
        headers=auth,
        json={"title": "t", "completed": True, "is_completed": False},
    )
    await send("create, title too long", "POST", "/api/tasks", headers=auth, json={"title": "x" * 201})
    await send("create, broken json", "POST", "/api/tasks", headers=auth | json_type, content=b'{"title": ')
    await send("create, not utf-8", "POST", "/api/tasks", headers=auth | json_type, content=b'{"title": "\xff"}')
    await send("create, json null", "POST", "/api/tasks", headers=auth | json_type, content=b"null")
    await send("create, json array", "POST", "/api/tasks", headers=auth | json_type, content=b"[1]")
    await send("create, empty body", "POST", "/api/tasks", headers=auth | json_type, content=b"")
    await send(
        "create, text/plain",
        "POST",
        "/api/tasks",
        headers=auth | {"Content-Type": "text/plain"},
        content=b'{"title": "t"}',
    )
    await send("create, no content type", "POST", "/api/tasks", headers=auth, content=b'{"title": "t"}')
    await send(
        "create, +json type",
        "POST",
        "/api/tasks",
        headers=auth | {"Content-Type": "application/vnd.x+json"},
        content=b'{"title": "t"}',
    )
    await send("create, NUL", "POST", "/api/tasks", headers=auth, json={"title": "a\u0000b"})
    await send(
        "create, too large", "POST", "/api/tasks", headers=auth, json={"title": "t", "description": "x" * 70_000}
    )
    await send("create, no token", "POST", "/api/tasks", json={"title": "t"})
    await send(
        "create, bad token", "POST", "/api/tasks", headers={"Authorization": "Bearer a.b.c"}, json={"title": "t"}
    )
    await send("create, basic auth", "POST", "/api/tasks", headers={"Authorization": "Basic eDp5"}, json={"title": "t"})
    await send("list", "GET", "/api/tasks", headers=auth)
    await send("list, filtered", "GET", "/api/tasks?status=done&sort=title&order=desc&limit=1&offset=0", headers=auth)
    await send("list, bad status", "GET", "/api/tasks?status=bogus", headers=auth)
    await send("list, bad limit", "GET", "/api/tasks?limit=0&offset=-1", headers=auth)
    await send("list, trailing slash", "GET", "/api/tasks/", headers=auth)
    await send("list, HEAD", "HEAD", "/api/tasks", headers=auth)
    await send("list, by user id", "GET", f"/api/{user_id}/tasks", headers=auth)
    await send("list, another user id", "GET", "/api/someone-else/tasks", headers=auth)
    await send("get", "GET", task, headers=auth)
    await send("get, malformed id", "GET", "/api/tasks/not-a-uuid", headers=auth)
    await send("get, unknown id", "GET", "/api/tasks/00000000-0000-4000-8000-000000000000", headers=auth)
    await send("get, by user id", "GET", f"/api/{user_id}{task.removeprefix('/api')}", headers=auth)
    await send("put", "PUT", task, headers=auth, json={"title": "New", "description": None})
    await send("put, empty", "PUT", task, headers=auth, json={})
    await send("put, null title", "PUT", task, headers=auth, json={"title": None})
    await send("patch", "PATCH", task, headers=auth, json={"is_completed": False})
    await send("toggle", "PATCH", f"{task}/toggle", headers=auth)
    await send("complete", "PATCH", f"{task}/complete", headers=auth)
    etag = (await send("get, for its tag", "GET", task, headers=auth)).headers["ETag"]
    await send("get, not modified", "GET", task, headers=auth | {"If-None-Match": etag})
    await send("get, bad If-None-Match", "GET", task, headers=auth | {"If-None-Match": "no quotes"})
    await send("put, stale tag", "PUT", task, headers=auth | {"If-Match": '"999"'}, json={"title": "Stale"})
    await send("put, current tag", "PUT", task, headers=auth | {"If-Match": etag}, json={"title": "Fresh"})
    await send("put, any tag", "PUT", task, headers=auth | {"If-Match": "*"}, json={"title": "Any"})
    await send("put, malformed tag", "PUT", task, headers=auth | {"If-Match": "W/"}, json={"title": "x"})
    await send("toggle, stale tag", "PATCH", f"{task}/toggle", headers=auth | {"If-Match": etag})
    keyed = auth | {"Idempotency-Key": "parity-key-1"}
    await send("create, keyed", "POST", "/api/tasks", headers=keyed, json={"title": "Once"})
    await send("create, keyed again", "POST", "/api/tasks", headers=keyed, json={"title": "Once"})
    await send("create, key reused", "POST", "/api/tasks", headers=keyed, json={"title": "Other"})
    await send(
        "create, key too long", "POST", "/api/tasks", headers=auth | {"Idempotency-Key": "k" * 256}, json={"title": "t"}
    )
    await send("toggle, keyed", "PATCH", f"{task}/toggle", headers=auth | {"Idempotency-Key": "parity-key-2"})
    await send("toggle, keyed again", "PATCH", f"{task}/toggle", headers=auth | {"Idempotency-Key": "parity-key-2"})
    await send("toggle, other route's key", "PATCH", f"{task}/toggle", headers=keyed)
    listed = await send("list, first page", "GET", "/api/tasks?limit=2&offset=1&sort=title", headers=auth)
    await send(
        "list, not modified",
        "GET",
        "/api/tasks?limit=2&offset=1&sort=title",
        headers=auth | {"If-None-Match": listed.headers["ETag"]},
    )
    await send("method not allowed", "DELETE", "/api/tasks", headers=auth)
    await send(
        "preflight",
        "OPTIONS",
        task,
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    await send("from a browser", "GET", "/api/tasks", headers=auth | {"Origin": "http://localhost:3000"})
    await send("from another site", "GET", "/api/tasks", headers=auth | {"Origin": "https://evil.example"})
    await send("delete", "DELETE", task, headers=auth)
    await send("delete again", "DELETE", task, headers=auth)
    await send("unknown route", "GET", "/api/nothing", headers=auth)
    await send("root", "GET", "/")
    await send("health", "GET", "/health")
    await send("ready", "GET", "/health/ready")
    await send("sign out", "POST", "/api/auth/signout", headers=auth, json={"refresh_token": tokens["refresh_token"]})
    await send("create, signed out", "POST", "/api/tasks", headers=auth, json={"title": "t"})
    await send("list, signed out", "GET", "/api/tasks", headers=auth)
    return answers


@pytest.mark.parametrize("rate_limited", [False, True], ids=["unlimited", "rate-limited"])
async def test_compiled_routes_answer_as_fastapi_does(app_with: Callable[..., Any], rate_limited: bool) -> None:
    answers: dict[str, list[Answer]] = {}
    for served_by in ("compiled", "fastapi"):
        async with app_with(rate_limit_enabled=rate_limited) as app, client_for(app) as client:
            if served_by == "fastapi":
                app.dependency_overrides[_unused_dependency] = _unused_dependency
            answers[served_by] = await _walk(client, f"parity-{secrets.token_hex(6)}@example.com")
    for compiled, reference in zip(answers["compiled"], answers["fastapi"], strict=True):
        assert compiled == reference


async def test_a_compiled_route_never_reaches_fastapis_route_handling(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    handled: list[str] = []
    original: Callable[..., Awaitable[None]] = APIRoute.handle

    async def counting_handle(self: APIRoute, *args: Any) -> None:
        handled.append(self.path)
        await original(self, *args)

    monkeypatch.setattr(APIRoute, "handle", counting_handle)
    async with client_for(app) as client:
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/api/tasks")).status_code == 401
        assert handled == []
        app.dependency_overrides[_unused_dependency] = _unused_dependency
        try:
            assert (await client.get("/health")).status_code == 200
        finally:
            app.dependency_overrides.clear()
    assert handled == ["/health"]
