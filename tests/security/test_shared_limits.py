"""Limits shared through Redis: N processes enforce one limit, and a Redis outage never takes the API down.

Each test starts its own redis-server on a free port (skipped, visibly, only when redis-server is missing).
"""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.shared.rate_limits import limiter as rate_limit
from tests.conftest import client_for
from tests.security.logs import captured_logs, events
from tests.security.probes import AUTH_PROBE, with_probes
from tests.security.servers import RedisServer, free_port, redis_server

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]


@asynccontextmanager
async def workers(app_with: AppWith, count: int, **overrides: Any) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` separately built apps, as N worker processes are: each has its own limiter and Redis client."""
    settings = {"rate_limit_enabled": True, "rate_limit_key_prefix": f"test-{secrets.token_hex(6)}"} | overrides
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(count):
            app = await stack.enter_async_context(app_with(**settings))
            clients.append(await stack.enter_async_context(client_for(with_probes(app))))
        yield clients


def statuses(responses: list[httpx.Response]) -> list[int]:
    return [response.status_code for response in responses]


async def test_workers_sharing_redis_allow_the_limit_once_between_them(app_with: AppWith) -> None:
    with redis_server() as redis:
        async with workers(app_with, 3, redis_url=redis.url, rate_limit_auth="5/minute") as clients:
            responses = [await clients[n % 3].post(AUTH_PROBE) for n in range(9)]
    assert statuses(responses) == [200] * 5 + [429] * 4
    assert [r.headers["RateLimit-Remaining"] for r in responses[:5]] == ["4", "3", "2", "1", "0"]


async def test_workers_with_memory_storage_count_apart(app_with: AppWith) -> None:
    # The contrast that makes REDIS_URL necessary with several workers.
    async with workers(app_with, 2, rate_limit_auth="2/minute") as clients:
        responses = [await clients[n % 2].post(AUTH_PROBE) for n in range(6)]
    assert statuses(responses) == [200, 200, 200, 200, 429, 429]


async def test_an_unreachable_redis_is_logged_once_and_requests_are_served(
    app_with: AppWith, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limit, "OUTAGE_RETRY_SECONDS", 0.2)
    closed_port = free_port()
    unreachable = f"redis://127.0.0.1:{closed_port}/0"
    async with workers(app_with, 1, redis_url=unreachable, rate_limit_auth="2/minute") as [client]:
        with captured_logs() as records:
            responses = []
            deadline = time.monotonic() + 1.0  # several retry intervals: each retry fails again, silently
            while time.monotonic() < deadline:
                responses.append(await client.post(AUTH_PROBE))
    assert len(responses) > 5
    assert set(statuses(responses)) == {200}
    assert not any("RateLimit-Remaining" in response.headers for response in responses)
    [down] = events(records, "rate_limit_storage_down")
    assert down["level"].name == "ERROR"
    assert "WITHOUT rate limits" in down["message"]
    assert events(records, "rate_limit_storage_up") == []


async def test_limits_resume_when_redis_comes_back(app_with: AppWith, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "OUTAGE_RETRY_SECONDS", 0.2)
    redis = RedisServer()
    redis.start()
    try:
        async with workers(app_with, 1, redis_url=redis.url, rate_limit_auth="2/minute") as [client]:
            with captured_logs() as records:
                before = [await client.post(AUTH_PROBE) for _ in range(3)]
                redis.stop()
                during = [await client.post(AUTH_PROBE) for _ in range(5)]
                redis.start()  # same port, empty: a restarted Redis
                after = await until_refused(client, seconds=5.0)
    finally:
        redis.stop()
    assert statuses(before) == [200, 200, 429]
    assert set(statuses(during)) == {200}
    # Counting starts again from the fresh store: two allowed, then refused.
    assert statuses(after)[-3:] == [200, 200, 429]
    assert after[-2].headers["RateLimit-Remaining"] == "0"
    assert len(events(records, "rate_limit_storage_down")) == 1
    assert len(events(records, "rate_limit_storage_up")) == 1


async def until_refused(client: httpx.AsyncClient, *, seconds: float) -> list[httpx.Response]:
    responses: list[httpx.Response] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        responses.append(await client.post(AUTH_PROBE))
        if responses[-1].status_code == 429:
            return responses
        if "RateLimit-Remaining" not in responses[-1].headers:
            await asyncio.sleep(0.05)
    raise AssertionError(f"limits did not resume within {seconds}s: {statuses(responses)}")
