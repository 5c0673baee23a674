"""The kernel's rate-limit wiring over HTTP, on both databases: AuthRateLimit, SignInEmailLimit and CurrentUser.

The routes are stand-ins declared exactly as slices declare them (tests/security/probes.py).
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import client_for
from tests.factories import bearer, signed_in_user
from tests.security.logs import captured_logs, events
from tests.security.probes import API_PROBE, AUTH_PROBE, SIGN_IN_PROBE, with_probes

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


@asynccontextmanager
async def limited(app_with: AppWith, **overrides: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with app_with(**({"rate_limit_enabled": True} | overrides)) as app, client_for(with_probes(app)) as client:
        yield app, client


def quota(response: httpx.Response) -> tuple[str, str]:
    return response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]


async def test_over_the_auth_limit_is_429_with_retry_after_and_quota_headers(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="3/minute") as (_app, client):
        allowed = [await client.post(AUTH_PROBE) for _ in range(3)]
        refused = await client.post(AUTH_PROBE)
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert [quota(r) for r in allowed] == [("3", "2"), ("3", "1"), ("3", "0")]
    assert all(1 <= int(r.headers["RateLimit-Reset"]) <= 60 for r in allowed)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    refusal = f"Too many requests, retry in {retry_after} seconds"
    assert refused.json() == {"detail": refusal, "message": refusal}
    assert quota(refused) == ("3", "0")
    assert refused.headers["RateLimit-Reset"] == str(retry_after)


async def test_a_forged_forwarded_for_from_an_untrusted_peer_buys_no_new_bucket(app_with: AppWith) -> None:
    # The test client's peer is 127.0.0.1; here only 10.0.0.5 is a proxy.
    async with limited(app_with, rate_limit_auth="2/minute", forwarded_allow_ips=["10.0.0.5"]) as (_app, client):
        statuses = [
            (await client.post(AUTH_PROBE, headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(4)
        ]
    assert statuses == [200, 200, 429, 429]


async def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="1/minute", forwarded_allow_ips=["127.0.0.1"]) as (_app, client):
        first = await client.post(AUTH_PROBE, headers={"X-Forwarded-For": "198.51.100.1"})
        other = await client.post(AUTH_PROBE, headers={"X-Forwarded-For": "198.51.100.2"})
        again = await client.post(AUTH_PROBE, headers={"X-Forwarded-For": "198.51.100.1"})
    assert (first.status_code, other.status_code, again.status_code) == (200, 200, 429)


async def test_sign_in_is_limited_per_target_email_whatever_the_address(app_with: AppWith) -> None:
    # A botnet: every attempt from another address, all against one account.
    async with limited(
        app_with, rate_limit_auth="100/minute", rate_limit_signin_email="3/minute", forwarded_allow_ips=["127.0.0.1"]
    ) as (_app, client):
        statuses = [
            (
                await client.post(
                    SIGN_IN_PROBE,
                    json={"email": "Victim@Example.com", "password": "guess"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                )
            ).status_code
            for n in range(5)
        ]
        someone_else = await client.post(SIGN_IN_PROBE, json={"email": "other@example.com", "password": "guess"})
    assert statuses == [401, 401, 401, 429, 429]
    assert someone_else.status_code == 401


async def test_one_address_behind_a_shared_nat_cannot_lock_out_other_accounts(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="100/minute", rate_limit_signin_email="2/minute") as (_app, client):
        attacker = [
            (await client.post(SIGN_IN_PROBE, json={"email": "victim@example.com", "password": "x"})).status_code
            for _ in range(3)
        ]
        neighbour = await client.post(
            SIGN_IN_PROBE, json={"email": "neighbour@example.com", "password": "right-password"}
        )
    assert attacker == [401, 401, 429]
    assert neighbour.status_code == 200


async def test_failed_and_invalid_requests_on_a_limited_route_carry_the_quota(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="10/minute", rate_limit_signin_email="3/minute") as (_app, client):
        wrong_password = await client.post(SIGN_IN_PROBE, json={"email": "a@example.com", "password": "wrong"})
        invalid = await client.post(SIGN_IN_PROBE, json={"email": "a@example.com"})
    assert wrong_password.status_code == 401
    assert wrong_password.headers["WWW-Authenticate"] == "Bearer"
    assert quota(wrong_password) == ("3", "2")  # the email bucket is the closer one to empty
    assert (invalid.status_code, quota(invalid)) == (422, ("10", "8"))


async def test_authenticated_routes_are_limited_per_user(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_api="2/minute") as (app, client):
        alice = await signed_in_user(app.state.kernel)
        bob = await signed_in_user(app.state.kernel)
        alice_calls = [await client.get(API_PROBE, headers=alice.headers) for _ in range(3)]
        bob_call = await client.get(API_PROBE, headers=bob.headers)
    assert [r.status_code for r in alice_calls] == [200, 200, 429]
    assert [quota(r) for r in alice_calls] == [("2", "1"), ("2", "0"), ("2", "0")]
    assert int(alice_calls[2].headers["Retry-After"]) >= 1
    assert (bob_call.status_code, quota(bob_call)) == (200, ("2", "1"))


async def test_a_rejected_token_spends_nobodys_quota(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_api="1/minute") as (app, client):
        alice = await signed_in_user(app.state.kernel)
        forged = [await client.get(API_PROBE, headers=bearer(alice.access_token + "x")) for _ in range(3)]
        genuine = await client.get(API_PROBE, headers=alice.headers)
    assert [r.status_code for r in forged] == [401, 401, 401]
    assert not any(name in r.headers for r in forged for name in RATE_LIMIT_HEADERS)
    assert genuine.status_code == 200


async def test_a_rate_limit_hit_is_one_security_event_with_request_id_and_client_ip(app_with: AppWith) -> None:
    async with limited(app_with, rate_limit_auth="1/minute") as (_app, client):
        await client.post(AUTH_PROBE)
        with captured_logs() as records:
            refused = [await client.post(AUTH_PROBE, headers={"X-Request-ID": f"req-{n}"}) for n in range(3)]
    assert [r.status_code for r in refused] == [429, 429, 429]
    [hit] = events(records, "rate_limit_hit")
    assert hit["extra"]["request_id"] == "req-0"
    assert hit["extra"]["client_ip"] == "127.0.0.1"
    assert hit["extra"]["bucket"] == "auth"
    assert hit["extra"]["security"] is True


async def test_with_limits_disabled_nothing_is_counted_or_sent(app_with: AppWith) -> None:
    async with (
        app_with(rate_limit_enabled=False, rate_limit_auth="1/minute") as app,
        client_for(with_probes(app)) as client,
    ):
        assert app.state.kernel.rate_limiter is None
        responses = [await client.post(AUTH_PROBE) for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert not any(name in r.headers for r in responses for name in RATE_LIMIT_HEADERS)
