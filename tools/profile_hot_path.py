"""What one request costs inside the app, with no HTTP server or client around it: `python -m tools.profile_hot_path`.

It starts the app on a throwaway PostgreSQL database, signs a user up, then calls the ASGI app directly N times
per workload and prints microseconds per request; `--profile get` prints cProfile's top lines for one workload.
Absolute numbers are this machine's; compare runs made side by side (`make bench` measures under real load).
"""

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class Answer:
    status: int = 0
    body: bytes = b""


def _asgi_call(
    app: Any, method: str, path: str, token: str | None, body: bytes = b""
) -> Callable[[], Awaitable[Answer]]:
    """One request, built once and sent straight to the ASGI app each time it is called."""
    headers = [(b"host", b"127.0.0.1:8000")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    path_only, _, query = path.partition("?")

    async def call() -> Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path_only,
            "raw_path": path_only.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": list(headers),
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        answer = Answer()
        body_sent = False

        async def receive() -> dict[str, Any]:
            nonlocal body_sent
            if body_sent:
                await asyncio.sleep(3600)  # a client that keeps the connection open and sends nothing more
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
            elif message["type"] == "http.response.body":
                answer.body += message.get("body", b"")

        await app(scope, receive, send)
        return answer

    return call


async def _run(requests: int, profile: str | None) -> None:
    name = f"profile_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    os.environ.update(
        BETTER_AUTH_SECRET=secrets.token_urlsafe(48),
        DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
        RATE_LIMIT_ENABLED="false",
        LOG_LEVEL="INFO",
    )
    from loguru import logger

    from app.main import create_app

    app = create_app()
    logger.remove()  # the access line is measured by `make bench`; here it would only flood the terminal
    try:
        async with app.router.lifespan_context(app):
            await _measure(app, requests, profile)
    finally:
        admin = await asyncpg.connect(ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _measure(app: Any, requests: int, profile: str | None) -> None:
    token = await _sign_up(app)
    task_ids = [await _create(app, token, f"task {n}") for n in range(50)]
    workloads = {
        "get": _asgi_call(app, "GET", f"/api/tasks/{task_ids[0]}", token),
        "list": _asgi_call(app, "GET", "/api/tasks", token),
        "create": _asgi_call(app, "POST", "/api/tasks", token, b'{"title": "profiled"}'),
        "update": _asgi_call(app, "PUT", f"/api/tasks/{task_ids[1]}", token, b'{"title": "changed"}'),
        "toggle": _asgi_call(app, "PATCH", f"/api/tasks/{task_ids[2]}/toggle", token),
        "health": _asgi_call(app, "GET", "/health", token),
    }
    for name, call in workloads.items():
        if profile and name != profile:
            continue
        for _ in range(200):
            assert (await call()).status < 300, name
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        for _ in range(requests):
            await call()
        elapsed = time.perf_counter() - started
        if profile:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
            print(out.getvalue())
        print(f"{name:8} {elapsed / requests * 1e6:8.1f} µs/request")


async def _sign_up(app: Any) -> str:
    body = orjson.dumps({"email": f"p{secrets.token_hex(4)}@example.com", "password": "profile-password-1"})
    answer = await _asgi_call(app, "POST", "/api/auth/signup", None, body)()
    return str(orjson.loads(answer.body)["access_token"])


async def _create(app: Any, token: str, title: str) -> str:
    answer = await _asgi_call(app, "POST", "/api/tasks", token, orjson.dumps({"title": title}))()
    return str(orjson.loads(answer.body)["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", choices=["get", "list", "create", "update", "toggle", "health"])
    arguments = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_run(arguments.requests, arguments.profile))


if __name__ == "__main__":
    main()
