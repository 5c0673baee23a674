"""Better Auth's opaque session tokens as bearers: asked of get-session, cached briefly, single flight, 503 when away.

Against `SessionServer`, a stand-in that counts its calls; tests/better_auth runs the same against the real thing.
"""

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from fastapi import FastAPI

from app.shared.auth import better_auth_sessions
from app.shared.settings import ConfigurationError, load_settings
from tests.conftest import TEST_SECRET, client_for
from tests.factories import bearer
from tests.kernel.session_server import SessionServer, signed
from tests.kernel.test_better_auth_keys import refused_url
from tests.security.logs import captured_logs, events

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]


@pytest.fixture
def better_auth() -> Iterator[SessionServer]:
    served = SessionServer()
    yield served
    served.close()


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/me", headers=bearer(token))


@pytest.mark.parametrize("form", ["signed", "raw"])
async def test_a_session_token_creates_and_lists_the_callers_own_tasks(
    app_with: AppWith, better_auth: SessionServer, form: str
) -> None:
    token = better_auth.new_session()
    presented = signed(token) if form == "signed" else token
    other = signed(better_auth.new_session())
    async with app_with(better_auth_url=better_auth.url) as app, client_for(app) as client:
        user = (await me(client, presented)).json()
        assert (user["id"], user["email"]) == (better_auth.user_of(token)["id"], better_auth.user_of(token)["email"])
        created = await client.post("/api/tasks", json={"title": "from a session"}, headers=bearer(presented))
        assert created.status_code == 201, created.text
        listed = await client.get("/api/tasks", headers=bearer(presented))
        assert [task["title"] for task in listed.json()] == ["from a session"]
        assert (await client.get("/api/tasks", headers=bearer(other))).json() == []


async def test_the_answer_is_cached_and_concurrent_requests_share_one_lookup(
    app_with: AppWith, better_auth: SessionServer
) -> None:
    token = signed(better_auth.new_session())
    better_auth.delay = 0.3
    async with app_with(better_auth_url=better_auth.url) as app, client_for(app) as client:
        responses = await asyncio.gather(*(me(client, token) for _ in range(50)))
        assert [response.status_code for response in responses] == [200] * 50
        assert better_auth.calls == 1
        for _ in range(10):
            assert (await me(client, token)).status_code == 200
        assert better_auth.calls == 1


async def test_a_revoked_session_is_refused_once_the_cache_lapses(
    app_with: AppWith, better_auth: SessionServer
) -> None:
    raw = better_auth.new_session()
    token = signed(raw)
    settings = {"better_auth_url": better_auth.url, "better_auth_session_cache_seconds": 0.3}
    async with app_with(**settings) as app, client_for(app) as client:
        assert (await me(client, token)).status_code == 200
        better_auth.revoke(raw)
        # Within the cache: still honoured, the documented price of not asking on every request.
        assert (await me(client, token)).status_code == 200
        await asyncio.sleep(0.35)
        refused = await me(client, token)
        assert refused.status_code == 401
        assert refused.json()["detail"] == "Invalid or expired session"
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert better_auth.calls == 2


async def test_the_cache_never_outlives_the_session(app_with: AppWith, better_auth: SessionServer) -> None:
    token = signed(better_auth.new_session(lives_for=0.5))
    settings = {"better_auth_url": better_auth.url, "better_auth_session_cache_seconds": 300}
    async with app_with(**settings) as app, client_for(app) as client:
        assert (await me(client, token)).status_code == 200
        await asyncio.sleep(0.6)
        # A 300 s cache, but the session ended: asked again, and Better Auth no longer knows it.
        assert (await me(client, token)).status_code == 401
        assert better_auth.calls == 2


async def test_zero_cache_asks_better_auth_on_every_request(app_with: AppWith, better_auth: SessionServer) -> None:
    token = signed(better_auth.new_session())
    settings = {"better_auth_url": better_auth.url, "better_auth_session_cache_seconds": 0}
    async with app_with(**settings) as app, client_for(app) as client:
        for _ in range(3):
            assert (await me(client, token)).status_code == 200
        assert better_auth.calls == 3
        # Better Auth set its cookie cache on every answer; none of it came back on a later lookup.
        assert better_auth.returned_cookies == 0


async def test_a_forged_signature_is_refused_without_asking(app_with: AppWith, better_auth: SessionServer) -> None:
    token = better_auth.new_session()
    async with app_with(better_auth_url=better_auth.url) as app, client_for(app) as client:
        for forged in (signed(token, secret="not-the-shared-secret-" + "x" * 20), f"{token}.AAAA", f"{token}.%%%"):
            refused = await me(client, forged)
            assert refused.status_code == 401
            assert refused.json()["detail"] == "Invalid session token"
        assert better_auth.calls == 0


async def test_an_unknown_token_is_401_and_asked_about_once(app_with: AppWith, better_auth: SessionServer) -> None:
    async with app_with(better_auth_url=better_auth.url) as app, client_for(app) as client:
        for _ in range(5):
            assert (await me(client, signed("no-such-session-token-0123456789"))).status_code == 401
        assert better_auth.calls == 1


async def test_better_auth_unreachable_is_503_with_retry_after_and_an_event_of_its_own(app_with: AppWith) -> None:
    async with app_with(better_auth_url=refused_url()) as app, client_for(app) as client:
        with captured_logs() as records:
            started = time.perf_counter()
            response = await me(client, signed("some-session-token-0123456789abc"))
            elapsed = time.perf_counter() - started
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == str(app.state.kernel.settings.retry_after_seconds)
        assert response.json()["detail"] == "Better Auth is unreachable, retry shortly"
        assert elapsed < 1.0
        [event] = events(records, "better_auth_sessions_unreachable")
        assert event["extra"]["cause"] == "ConnectError"
        assert not events(records, "invalid_token")


async def test_a_failing_better_auth_is_asked_at_most_once_a_second_and_recovers(
    app_with: AppWith, better_auth: SessionServer
) -> None:
    token = signed(better_auth.new_session())
    better_auth.status = 500
    async with app_with(better_auth_url=better_auth.url) as app, client_for(app) as client:
        for _ in range(10):
            assert (await me(client, token)).status_code == 503
        assert better_auth.calls == 1
        better_auth.status = 200
        await asyncio.sleep(better_auth_sessions.PAUSE_AFTER_FAILURE_SECONDS)
        assert (await me(client, token)).status_code == 200
        assert better_auth.calls == 2


async def test_a_better_auth_that_never_answers_is_503_after_the_lookup_timeout(
    app_with: AppWith, better_auth: SessionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert better_auth_sessions.LOOKUP_TIMEOUT_SECONDS <= 3
    monkeypatch.setattr(better_auth_sessions, "LOOKUP_TIMEOUT_SECONDS", 0.3)
    better_auth.delay = 2.0
    async with app_with(better_auth_url=better_auth.url) as app, client_for(app) as client:
        started = time.perf_counter()
        assert (await me(client, signed(better_auth.new_session()))).status_code == 503
        assert time.perf_counter() - started < 1.5


async def test_without_better_auth_a_token_that_is_no_jwt_is_401(app_with: AppWith) -> None:
    async with app_with() as app, client_for(app) as client:
        refused = await me(client, "opaque-session-token")
        assert refused.status_code == 401
        assert refused.json()["detail"] == "Malformed token"


def test_session_cookies_need_better_auth_and_listed_origins() -> None:
    base = {"_env_file": None, "better_auth_secret": TEST_SECRET, "better_auth_session_cookies": True}
    with pytest.raises(ConfigurationError, match="needs BETTER_AUTH_URL"):
        load_settings(**base)
    with pytest.raises(ConfigurationError, match="CORS_ORIGINS"):
        load_settings(**base, better_auth_url="http://127.0.0.1:3000", cors_origins="*")
    assert load_settings(**base, better_auth_url="http://127.0.0.1:3000").better_auth_session_cookies
    assert not load_settings(_env_file=None, better_auth_secret=TEST_SECRET).better_auth_session_cookies
