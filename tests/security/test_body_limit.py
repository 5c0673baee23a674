"""Bodies over MAX_BODY_BYTES are refused with 413 before they are read whole, however the size is (not) declared."""

import json
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
from fastapi import FastAPI

from app.shared.kernel import Kernel
from tests.conftest import client_for
from tests.factories import signed_in_user
from tests.security.probes import SIGN_IN_PROBE, with_probes

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
LIMIT = 65_536
JSON = {"Content-Type": "application/json"}
TOO_LARGE = {"detail": f"Request body too large: the limit is {LIMIT} bytes"} | {
    "message": f"Request body too large: the limit is {LIMIT} bytes"
}


def body_of_size(size: int) -> bytes:
    """A JSON sign-in body of exactly `size` bytes."""
    skeleton = json.dumps({"email": "a@example.com", "password": ""}).encode()
    body = json.dumps({"email": "a@example.com", "password": "x" * (size - len(skeleton))}).encode()
    assert len(body) == size
    return body


async def in_chunks(body: bytes, size: int = 8_192) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_body_at_the_limit_reaches_the_route_and_one_byte_more_is_413(app_with: AppWith) -> None:
    async with app_with() as app, client_for(with_probes(app)) as client:
        at_limit = await client.post(SIGN_IN_PROBE, content=body_of_size(LIMIT), headers=JSON)
        over = await client.post(SIGN_IN_PROBE, content=body_of_size(LIMIT + 1), headers=JSON)
    assert at_limit.status_code == 401  # the route ran: the password was wrong
    assert (over.status_code, over.json()) == (413, TOO_LARGE)
    assert over.headers["Connection"] == "close"
    assert over.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_chunked_body_without_content_length_is_counted_as_it_arrives(app_with: AppWith) -> None:
    async with app_with() as app, client_for(with_probes(app)) as client:
        at_limit = await client.post(SIGN_IN_PROBE, content=in_chunks(body_of_size(LIMIT)), headers=JSON)
        over = await client.post(SIGN_IN_PROBE, content=in_chunks(body_of_size(LIMIT + 1)), headers=JSON)
    assert "content-length" not in {name.lower() for name in over.request.headers}
    assert at_limit.status_code == 401
    assert (over.status_code, over.json()) == (413, TOO_LARGE)


async def test_a_content_length_that_understates_the_body_does_not_get_it_through(app_with: AppWith) -> None:
    async with app_with() as app:
        status, body = await raw_asgi_post(with_probes(app), body_of_size(LIMIT + 10), declared_length=20)
    assert (status, json.loads(body)) == (413, TOO_LARGE)


async def test_the_limit_is_a_setting(app_with: AppWith) -> None:
    async with app_with(max_body_bytes=100) as app, client_for(with_probes(app)) as client:
        small = await client.post(SIGN_IN_PROBE, content=body_of_size(100), headers=JSON)
        large = await client.post(SIGN_IN_PROBE, content=body_of_size(101), headers=JSON)
    assert small.status_code == 401
    too_large = "Request body too large: the limit is 100 bytes"
    assert (large.status_code, large.json()) == (413, {"detail": too_large, "message": too_large})


async def raw_asgi_post(app: FastAPI, body: bytes, *, declared_length: int) -> tuple[int, bytes]:
    """What a lying client looks like to the app when a server passes its bytes on as they come."""
    chunks = [body[start : start + 4_096] for start in range(0, len(body), 4_096)]
    sent: list[MutableMapping[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": SIGN_IN_PROBE,
        "raw_path": SIGN_IN_PROBE.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(declared_length).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    [start] = [message for message in sent if message["type"] == "http.response.start"]
    return start["status"], b"".join(
        message.get("body", b"") for message in sent if message["type"] == "http.response.body"
    )


async def test_the_real_routes_refuse_oversized_bodies(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await signed_in_user(kernel)
    task_at_limit = b'{"title": "' + b"x" * (LIMIT - 13) + b'"}'
    assert len(task_at_limit) == LIMIT
    task_over = task_at_limit[:-2] + b'x"}'
    at_limit = await client.post("/api/tasks", content=task_at_limit, headers=JSON | session.headers)
    over = await client.post("/api/tasks", content=in_chunks(task_over), headers=JSON | session.headers)
    signup_over = await client.post("/api/auth/signup", content=body_of_size(LIMIT + 1), headers=JSON)
    assert at_limit.status_code == 422  # read whole and validated: the title is too long, not the body
    assert (over.status_code, over.json()) == (413, TOO_LARGE)
    assert (signup_over.status_code, signup_over.json()) == (413, TOO_LARGE)
