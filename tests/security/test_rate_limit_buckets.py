"""The limiter on its own: buckets from settings, counting, headers, one log event per refused window."""

import asyncio
import time
from typing import Any

import pytest
from fastapi import Request, Response
from limits.aio.storage import MemoryStorage

from app.shared.errors import RateLimitedError
from app.shared.rate_limits.limiter import Quota, RateLimiter, SweepingMemoryStorage
from app.shared.settings import ConfigurationError
from tests.conftest import test_settings as settings_for
from tests.security.logs import captured_logs
from tests.security.servers import free_port

SQLITE = "sqlite+aiosqlite:///:memory:"


def limiter(**overrides: Any) -> RateLimiter:
    built = RateLimiter.from_settings(settings_for(SQLITE, **({"rate_limit_enabled": True} | overrides)))
    assert built is not None
    return built


def request_from(client_ip: str = "203.0.113.7") -> Request:
    return Request({"type": "http", "headers": [], "state": {"client_ip": client_ip, "request_id": "r-1"}})


async def spend(rate_limiter: RateLimiter, times: int) -> list[Response]:
    responses = [Response() for _ in range(times)]
    for response in responses:
        await rate_limiter.limit_client(request_from(), response)
    return responses


def test_disabled_limits_build_no_limiter() -> None:
    assert RateLimiter.from_settings(settings_for(SQLITE, rate_limit_enabled=False)) is None


def test_buckets_come_from_the_settings() -> None:
    built = limiter(rate_limit_auth="7/minute", rate_limit_signin_email="3/hour", rate_limit_api="100/second")
    assert [(w.amount, w.get_expiry()) for w in built.auth.windows] == [(7, 60)]
    assert [(w.amount, w.get_expiry()) for w in built.signin_email.windows] == [(3, 3600)]
    assert [(w.amount, w.get_expiry()) for w in built.api.windows] == [(100, 1)]


def test_a_bad_limit_stops_start_up_with_one_readable_line() -> None:
    with pytest.raises(ConfigurationError, match=r"RATE_LIMIT_AUTH='lots' is not a rate limit"):
        limiter(rate_limit_auth="lots")


async def test_the_limit_is_allowed_then_refused_with_the_time_to_wait() -> None:
    rate_limiter = limiter(rate_limit_auth="3/minute")
    responses = await spend(rate_limiter, 3)
    assert [r.headers["RateLimit-Remaining"] for r in responses] == ["2", "1", "0"]
    assert {r.headers["RateLimit-Limit"] for r in responses} == {"3"}
    assert all(1 <= int(r.headers["RateLimit-Reset"]) <= 60 for r in responses)
    with pytest.raises(RateLimitedError) as refused:
        await rate_limiter.limit_client(request_from(), Response())
    assert 1 <= refused.value.retry_after_seconds <= 60
    assert refused.value.headers["RateLimit-Remaining"] == "0"
    assert refused.value.headers["RateLimit-Limit"] == "3"
    assert refused.value.detail == f"Too many requests, retry in {refused.value.retry_after_seconds} seconds"


async def test_each_client_has_its_own_bucket() -> None:
    rate_limiter = limiter(rate_limit_auth="1/minute")
    await rate_limiter.limit_client(request_from("203.0.113.1"), Response())
    await rate_limiter.limit_client(request_from("203.0.113.2"), Response())
    with pytest.raises(RateLimitedError):
        await rate_limiter.limit_client(request_from("203.0.113.1"), Response())


async def test_one_ipv6_network_shares_a_bucket() -> None:
    rate_limiter = limiter(rate_limit_auth="1/minute")
    await rate_limiter.limit_client(request_from("2001:db8:0:1::1"), Response())
    with pytest.raises(RateLimitedError):
        await rate_limiter.limit_client(request_from("2001:db8:0:1::ffff"), Response())


async def test_users_and_emails_are_counted_apart_from_clients() -> None:
    rate_limiter = limiter(rate_limit_auth="1/minute", rate_limit_signin_email="1/minute", rate_limit_api="1/minute")
    request = request_from()
    await rate_limiter.limit_client(request, Response())
    await rate_limiter.limit_email("Alice@Example.com", request, Response())
    await rate_limiter.limit_user("user-1", request, Response())
    with pytest.raises(RateLimitedError):
        await rate_limiter.limit_email(" alice@example.com", request, Response())
    with pytest.raises(RateLimitedError):
        await rate_limiter.limit_user("user-1", request, Response())
    await rate_limiter.limit_user("user-2", request, Response())


async def test_the_store_never_holds_an_email_address() -> None:
    rate_limiter = limiter()
    await rate_limiter.limit_email("alice@example.com", request_from(), Response())
    storage = rate_limiter._storage
    assert isinstance(storage, MemoryStorage)
    assert storage.storage
    assert not any("alice" in key for key in storage.storage)


async def test_every_window_of_a_bucket_is_enforced() -> None:
    rate_limiter = limiter(rate_limit_auth="5/minute;2/hour")
    responses = await spend(rate_limiter, 2)
    # The headers show the window closest to empty: the hourly one.
    assert [r.headers["RateLimit-Remaining"] for r in responses] == ["1", "0"]
    assert {r.headers["RateLimit-Limit"] for r in responses} == {"2"}
    with pytest.raises(RateLimitedError) as refused:
        await rate_limiter.limit_client(request_from(), Response())
    assert refused.value.retry_after_seconds > 60


async def test_a_request_in_two_buckets_reports_the_one_closer_to_empty() -> None:
    rate_limiter = limiter(rate_limit_auth="10/minute", rate_limit_signin_email="2/minute")
    request, response = request_from(), Response()
    await rate_limiter.limit_client(request, response)
    await rate_limiter.limit_email("alice@example.com", request, response)
    assert response.headers["RateLimit-Limit"] == "2"
    assert response.headers["RateLimit-Remaining"] == "1"
    request, response = request_from(), Response()
    await rate_limiter.limit_email("bob@example.com", request, response)
    await rate_limiter.limit_client(request, response)
    assert (response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]) == ("2", "1")


async def test_a_refused_window_is_logged_once_not_per_request() -> None:
    rate_limiter = limiter(rate_limit_auth="2/minute")
    with captured_logs() as records:
        await spend(rate_limiter, 2)
        for _ in range(5):
            with pytest.raises(RateLimitedError):
                await rate_limiter.limit_client(request_from(), Response())
    hits = [record for record in records if record["extra"].get("event") == "rate_limit_hit"]
    assert len(hits) == 1
    assert hits[0]["extra"]["bucket"] == "auth"
    assert hits[0]["extra"]["client"] == "203.0.113.7"
    assert hits[0]["extra"]["limit"] == "2 per 1 minute"
    assert hits[0]["level"].name == "WARNING"


def test_quota_headers_are_the_ietf_draft_names() -> None:
    assert Quota(limit=10, remaining=3, reset_seconds=42).headers == {
        "RateLimit-Limit": "10",
        "RateLimit-Remaining": "3",
        "RateLimit-Reset": "42",
    }


def test_the_memory_store_hooks_upstreams_sweep() -> None:
    # The override is found by upstream's name-mangled call only while upstream keeps that private name.
    assert hasattr(MemoryStorage, "_MemoryStorage__schedule_expiry")
    assert "_MemoryStorage__schedule_expiry" in vars(SweepingMemoryStorage)


async def test_the_memory_store_sweeps_at_most_once_a_second_and_still_expires() -> None:
    storage = SweepingMemoryStorage()
    sweeps = 0
    upstream_sweep = storage._MemoryStorage__expire_events  # type: ignore[attr-defined]

    async def counted_sweep() -> None:
        nonlocal sweeps
        sweeps += 1
        await upstream_sweep()

    storage._MemoryStorage__expire_events = counted_sweep  # type: ignore[attr-defined]
    await storage.incr("short-lived", 1)
    for number in range(200):
        await storage.incr(f"key-{number}", 60)
        await asyncio.sleep(0)
    assert sweeps == 1
    started = time.monotonic()
    while "short-lived" in storage.storage and time.monotonic() - started < 5:
        await storage.incr("another", 60)
        await asyncio.sleep(0.05)
    assert "short-lived" not in storage.storage
    assert sweeps >= 2


async def test_during_an_outage_the_store_is_tried_once_per_interval_not_per_request() -> None:
    rate_limiter = limiter(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    storage = rate_limiter._storage
    attempts = 0
    upstream_incr = storage.incr

    async def counted_incr(*args: Any, **kwargs: Any) -> int:
        nonlocal attempts
        attempts += 1
        return await upstream_incr(*args, **kwargs)

    storage.incr = counted_incr  # type: ignore[method-assign]
    responses = [Response() for _ in range(20)]
    for response in responses:
        await rate_limiter.limit_client(request_from(), response)  # served: no exception, no headers
    assert attempts == 1
    assert not any("RateLimit-Remaining" in response.headers for response in responses)
