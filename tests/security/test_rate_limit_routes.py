"""Rate limits on the real auth and task routes, on both databases: 429 with Retry-After, quota headers on every
answer of a limited route (2xx, 204, 401, 404), and the buckets each route belongs to."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import client_for
from tests.factories import create_task, create_user, signed_in_user

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
PASSWORD = "correct horse battery"


@asynccontextmanager
async def limited(app_with: AppWith, **overrides: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = {"rate_limit_enabled": True, "forwarded_allow_ips": ["127.0.0.1"]} | overrides
    async with app_with(**settings) as app, client_for(app) as client:
        yield app, client


def quota(response: httpx.Response) -> tuple[str, str]:
    return response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]


def from_address(number: int) -> dict[str, str]:
    """As a trusted proxy (the test client's 127.0.0.1) would say a request came from 198.51.100.<number>."""
    return {"X-Forwarded-For": f"198.51.100.{number}"}


def sign_up_body(number: int) -> dict[str, str]:
    return {"email": f"new-{number}@example.com", "password": PASSWORD, "name": "New"}


async def test_sign_up_is_limited_per_client_address(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="2/minute") as (_app, client):
        allowed = [await client.post("/api/auth/signup", json=sign_up_body(n), headers=from_address(1)) for n in (1, 2)]
        refused = await client.post("/api/auth/signup", json=sign_up_body(3), headers=from_address(1))
        elsewhere = await client.post("/api/auth/signup", json=sign_up_body(4), headers=from_address(2))
    assert [r.status_code for r in allowed] == [201, 201]
    assert [quota(r) for r in allowed] == [("2", "1"), ("2", "0")]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Too many requests")
    assert quota(refused) == ("2", "0")
    assert elsewhere.status_code == 201


async def test_refresh_is_in_the_client_address_bucket(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="1/minute") as (app, client):
        session = await signed_in_user(app.state.kernel)
        first = await client.post("/api/auth/refresh", json={"refresh_token": session.refresh_token})
        second = await client.post("/api/auth/refresh", json={"refresh_token": first.json()["refresh_token"]})
    assert (first.status_code, quota(first)) == (200, ("1", "0"))
    assert second.status_code == 429


async def test_sign_in_from_many_addresses_against_one_account_is_stopped(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="100/minute", rate_limit_signin_email="3/minute") as (app, client):
        await create_user(app.state.kernel, email="victim@example.com", password=PASSWORD)
        guesses = [
            await client.post(
                "/api/auth/signin",
                json={"email": "victim@example.com", "password": f"guess-{n}"},
                headers=from_address(n),
            )
            for n in range(3)
        ]
        # Spelled differently, same account: the email is normalised before it is counted.
        fourth = await client.post(
            "/api/auth/signin", json={"email": " Victim@Example.COM", "password": PASSWORD}, headers=from_address(9)
        )
        other_account = await client.post(
            "/api/auth/signin", json={"email": "someone@example.com", "password": "guess"}, headers=from_address(9)
        )
    assert [r.status_code for r in guesses] == [401, 401, 401]
    assert [quota(r) for r in guesses] == [("3", "2"), ("3", "1"), ("3", "0")]
    # Even the right password waits: the bucket is counted before the password is checked, so it cannot leak it.
    assert fourth.status_code == 429
    assert other_account.status_code == 401


async def test_task_routes_are_limited_per_user_with_headers_on_every_answer(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_api="5/minute") as (app, client):
        alice = await signed_in_user(app.state.kernel)
        bob = await signed_in_user(app.state.kernel)
        bobs_task = await create_task(app.state.kernel, bob)
        created = await client.post("/api/tasks", json={"title": "Mine"}, headers=alice.headers)
        listed = await client.get("/api/tasks", headers=alice.headers)
        deleted = await client.delete(f"/api/tasks/{created.json()['id']}", headers=alice.headers)
        not_hers = await client.get(f"/api/tasks/{bobs_task.id}", headers=alice.headers)
        me = await client.get("/api/auth/me", headers=alice.headers)
        refused = await client.get("/api/tasks", headers=alice.headers)
        bob_listed = await client.get("/api/tasks", headers=bob.headers)
    assert (created.status_code, quota(created)) == (201, ("5", "4"))
    assert created.headers["Location"] == f"/api/tasks/{created.json()['id']}"
    assert (listed.status_code, quota(listed)) == (200, ("5", "3"))
    assert (deleted.status_code, quota(deleted)) == (204, ("5", "2"))
    assert (not_hers.status_code, quota(not_hers)) == (404, ("5", "1"))
    assert (me.status_code, quota(me)) == (200, ("5", "0"))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert (bob_listed.status_code, quota(bob_listed)) == (200, ("5", "4"))


async def test_the_default_limits_leave_ordinary_use_alone(app_with: AppWith) -> None:
    async with limited(app_with) as (app, client):
        alice = await signed_in_user(app.state.kernel)
        responses = [await client.get("/api/tasks", headers=alice.headers) for _ in range(20)]
    assert {r.status_code for r in responses} == {200}
    assert quota(responses[-1]) == ("600", "580")
