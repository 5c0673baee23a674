"""The protections as production runs them: `uvicorn app.main:app` in its own process(es), configured by environment.

Two workers sharing Redis allow the limit once between them (and, without Redis, each allows it alone); a forged
X-Forwarded-For changes nothing in uvicorn nor in the app; a chunked body over the limit sent through a raw socket
gets 413 from the real routes.
"""

import collections
import secrets
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.security.servers import json_records, redis_server, uvicorn_process

pytestmark = pytest.mark.slow

AUTH_LIMIT = 7
SIGN_IN = "/api/auth/signin"
SIGN_UP = "/api/auth/signup"
TASKS = "/api/tasks"


def base_environment(database_dir: Path, **overrides: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database_dir / 'todo.db'}",
        "BETTER_AUTH_SECRET": secrets.token_urlsafe(48),
        "AUTO_MIGRATE": "true",
        "APP_ENV": "test",
        "BCRYPT_ROUNDS": "4",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "RATE_LIMIT_ENABLED": "true",
        "REDIS_URL": "",
    } | overrides


@contextmanager
def served(environment: dict[str, str]) -> Iterator[Any]:
    with uvicorn_process(environment) as server:
        server.start()
        server.wait_until_ready()
        yield server


def sign_in_attempts(server: Any, *, until_each_worker_served: int, workers: int = 2) -> list[tuple[str, int]]:
    """Wrong-password sign-ins, each on a new connection with a forged X-Forwarded-For, until every worker has
    served at least `until_each_worker_served` of them. Returns (request id, status) in order."""
    attempts: list[tuple[str, int]] = []
    run = secrets.token_hex(4)
    while len(attempts) < 120:
        for _ in range(10):
            request_id = f"{run}-{len(attempts)}"
            with httpx.Client(base_url=server.base_url, timeout=10) as client:  # a new connection each time
                response = client.post(
                    SIGN_IN,
                    json={"email": f"nobody-{len(attempts)}@example.com", "password": "wrong-password"},
                    headers={"X-Request-ID": request_id, "X-Forwarded-For": f"198.51.100.{len(attempts) % 250}"},
                )
            attempts.append((request_id, response.status_code))
        served_by = workers_by_request(server)
        per_worker = collections.Counter(served_by[request_id] for request_id, _ in attempts if request_id in served_by)
        if len(per_worker) >= workers and min(per_worker.values()) >= until_each_worker_served:
            return attempts
    raise AssertionError(f"the workers did not all serve {until_each_worker_served} requests: {per_worker}")


def workers_by_request(server: Any) -> dict[str, int]:
    return {
        record["extra"]["request_id"]: record["process"]["id"]
        for record in json_records(server.output())
        if record["extra"].get("event") == "access"
    }


def access_records(server: Any, path: str, *, count: int) -> list[dict[str, Any]]:
    """The access lines for `path`, once `count` of them are written: a line is written after its answer is sent,
    so the client can read the answer before the server has logged it."""
    deadline = time.monotonic() + 10
    while True:
        records = [
            record
            for record in json_records(server.output())
            if record["extra"].get("event") == "access" and record["extra"]["path"] == path
        ]
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def test_two_workers_sharing_redis_allow_exactly_the_limit() -> None:
    with redis_server() as redis, tempfile.TemporaryDirectory() as database_dir:
        environment = base_environment(
            Path(database_dir),
            WEB_CONCURRENCY="2",
            REDIS_URL=redis.url,
            RATE_LIMIT_KEY_PREFIX=f"test-{secrets.token_hex(6)}",
            RATE_LIMIT_AUTH=f"{AUTH_LIMIT}/minute",
            RATE_LIMIT_SIGNIN_EMAIL="1000/minute",
            # 127.0.0.1 is not a proxy here: the forged X-Forwarded-For must change nothing, in uvicorn or the app.
            FORWARDED_ALLOW_IPS="10.9.9.9",
        )
        with served(environment) as server:
            attempts = sign_in_attempts(server, until_each_worker_served=AUTH_LIMIT)
            records = access_records(server, SIGN_IN, count=len(attempts))
    statuses = collections.Counter(status for _, status in attempts)
    # Each worker alone would have allowed AUTH_LIMIT: together they allowed it once.
    assert statuses == {401: AUTH_LIMIT, 429: len(attempts) - AUTH_LIMIT}
    assert len({record["process"]["id"] for record in records}) == 2
    assert {record["extra"]["client_ip"] for record in records} == {"127.0.0.1"}


def test_two_workers_without_redis_each_allow_the_limit_alone() -> None:
    # The contrast: what the shared store prevents. Each worker counts in its own memory.
    with tempfile.TemporaryDirectory() as database_dir:
        environment = base_environment(
            Path(database_dir),
            WEB_CONCURRENCY="2",
            RATE_LIMIT_AUTH=f"{AUTH_LIMIT}/minute",
            RATE_LIMIT_SIGNIN_EMAIL="1000/minute",
            FORWARDED_ALLOW_IPS="10.9.9.9",
        )
        with served(environment) as server:
            attempts = sign_in_attempts(server, until_each_worker_served=AUTH_LIMIT)
    assert collections.Counter(status for _, status in attempts)[401] == 2 * AUTH_LIMIT


def test_a_trusted_proxy_names_the_client_to_uvicorn_and_the_app_alike() -> None:
    with tempfile.TemporaryDirectory() as database_dir:
        environment = base_environment(Path(database_dir), FORWARDED_ALLOW_IPS="127.0.0.1", RATE_LIMIT_AUTH="1/minute")
        with served(environment) as server, httpx.Client(base_url=server.base_url) as client:
            first = client.post(SIGN_IN, json={}, headers={"X-Forwarded-For": "1.1.1.1, 198.51.100.1"})
            again = client.post(SIGN_IN, json={}, headers={"X-Forwarded-For": "2.2.2.2, 198.51.100.1"})
            other = client.post(SIGN_IN, json={}, headers={"X-Forwarded-For": "198.51.100.2"})
            records = access_records(server, SIGN_IN, count=3)
    assert (first.status_code, again.status_code, other.status_code) == (422, 429, 422)
    assert [record["extra"]["client_ip"] for record in records] == ["198.51.100.1", "198.51.100.1", "198.51.100.2"]


def test_chunked_bodies_over_the_limit_get_413_from_the_real_routes() -> None:
    with tempfile.TemporaryDirectory() as database_dir:
        environment = base_environment(Path(database_dir), RATE_LIMIT_ENABLED="false")
        with served(environment) as server:
            signed_up = httpx.post(
                f"{server.base_url}{SIGN_UP}",
                json={"email": "chunky@example.com", "password": "correct horse battery", "name": "Chunky"},
            )
            assert signed_up.status_code == 201, signed_up.text
            token = signed_up.json()["access_token"]
            port = server.port
            small_task = raw_chunked_post(port, TASKS, b'{"title": "fits"}', token=token)
            large_task = raw_chunked_post(port, TASKS, b'{"title": "' + b"x" * 70_000 + b'"}', token=token)
            large_signup = raw_chunked_post(port, SIGN_UP, b'{"email": "' + b"y" * 70_000 + b'"}')
            declared = raw_declared_length_post(port, SIGN_UP, declared=10_000_000)
    assert small_task.startswith(b"HTTP/1.1 201 "), small_task[:200]
    for response in (large_task, large_signup, declared):
        assert response.startswith(b"HTTP/1.1 413 "), response[:200]
        too_large = b"Request body too large: the limit is 65536 bytes"
        assert b'{"detail":"' + too_large + b'","message":"' + too_large + b'"}' in response


def raw_chunked_post(port: int, path: str, body: bytes, *, token: str | None = None) -> bytes:
    """POST with `Transfer-Encoding: chunked` and no Content-Length, in 4 KiB chunks, over a plain socket."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    head += ["Transfer-Encoding: chunked", "Connection: close"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[start : start + 4096]), body[start : start + 4096])
        for start in range(0, len(body), 4096)
    )
    return exchange(port, ("\r\n".join(head) + "\r\n\r\n").encode() + chunks + b"0\r\n\r\n")


def raw_declared_length_post(port: int, path: str, *, declared: int) -> bytes:
    """Announces a huge body and sends none of it: the answer must come without waiting for the body."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n"
    )
    return exchange(port, (head + "\r\n").encode())


def exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65_536):
            received += chunk
            if b"\r\n\r\n" in received and _complete(received):
                break
    return received


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False
