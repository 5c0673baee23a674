"""Better Auth's session cookies (opt-in): the cookie cache verified locally, the session token through get-session,
and CSRF: an unsafe method authenticated by a cookie needs an `Origin` listed in CORS_ORIGINS.
"""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt

from tests.conftest import TEST_SECRET, client_for
from tests.factories import bearer
from tests.kernel.session_server import SESSION_COOKIE, SessionServer, signed
from tests.security.logs import captured_logs, events

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
TRUSTED = "http://localhost:3000"
CACHE_COOKIE = "better-auth.session_data"


@pytest.fixture
def better_auth() -> Iterator[SessionServer]:
    served = SessionServer()
    yield served
    served.close()


@asynccontextmanager
async def cookie_client(
    app_with: AppWith, better_auth: SessionServer, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    overrides = {"better_auth_url": better_auth.url, "better_auth_session_cookies": True, "cors_origins": TRUSTED}
    async with app_with(**(overrides | settings)) as app, client_for(app) as client:
        yield client


def cookie_cache_for(user: dict[str, Any], *, expires_in: int = 300) -> str:
    """Better Auth's cookie cache with strategy "jwt": HS256 with the shared secret, the session and user nested."""
    now = int(time.time())
    claims = {"session": {"token": "t"}, "user": user, "updatedAt": now * 1000, "iat": now, "exp": now + expires_in}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


def cookies(**values: str) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in values.items())}


def session_cookie(token: str, name: str = SESSION_COOKIE) -> dict[str, str]:
    return {"Cookie": f"{name}={signed(token)}"}


async def test_cookies_are_ignored_unless_opted_in(app_with: AppWith, better_auth: SessionServer) -> None:
    token = better_auth.new_session()
    async with app_with(better_auth_url=better_auth.url) as app, client_for(app) as client:
        refused = await client.get("/api/tasks", headers=session_cookie(token))
        assert refused.status_code == 401
        assert refused.json()["detail"] == "Not authenticated"
    assert better_auth.calls == 0


async def test_a_session_cookie_reads_without_an_origin_and_writes_from_a_listed_one(
    app_with: AppWith, better_auth: SessionServer
) -> None:
    token = better_auth.new_session()
    async with cookie_client(app_with, better_auth) as client:
        assert (await client.get("/api/tasks", headers=session_cookie(token))).json() == []
        created = await client.post(
            "/api/tasks", json={"title": "by cookie"}, headers=session_cookie(token) | {"Origin": TRUSTED}
        )
        assert created.status_code == 201, created.text
        listed = await client.get("/api/tasks", headers=session_cookie(token))
        assert [task["title"] for task in listed.json()] == ["by cookie"]
    assert better_auth.calls == 1


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null", "http://localhost:3000.evil.example"])
async def test_an_unsafe_method_by_cookie_from_elsewhere_is_403_and_changes_nothing(
    app_with: AppWith, better_auth: SessionServer, origin: str | None
) -> None:
    token = better_auth.new_session()
    async with cookie_client(app_with, better_auth) as client:
        trusted = session_cookie(token) | {"Origin": TRUSTED}
        task = (await client.post("/api/tasks", json={"title": "keep me"}, headers=trusted)).json()
        calls_before = better_auth.calls
        hostile = session_cookie(token) | ({"Origin": origin} if origin else {})
        with captured_logs() as records:
            attempts = [
                await client.post("/api/tasks", json={"title": "planted"}, headers=hostile),
                await client.delete(f"/api/tasks/{task['id']}", headers=hostile),
                await client.patch(f"/api/tasks/{task['id']}/toggle", headers=hostile),
                await client.post("/api/auth/signout", headers=hostile),
            ]
        for refused in attempts:
            assert refused.status_code == 403, refused.text
            assert refused.json()["message"].startswith("Cross-site request refused")
        assert len(events(records, "cross_site_request")) == 4
        # Refused before any verification: Better Auth was not asked about the forged requests.
        assert better_auth.calls == calls_before
        listed = (await client.get("/api/tasks", headers=session_cookie(token))).json()
        assert [(t["title"], t["completed"]) for t in listed] == [("keep me", False)]


async def test_a_bearer_is_not_subject_to_the_origin_check(app_with: AppWith, better_auth: SessionServer) -> None:
    token = signed(better_auth.new_session())
    async with cookie_client(app_with, better_auth) as client:
        # A header no other site can make a browser send: no CSRF risk, so no Origin needed.
        created = await client.post("/api/tasks", json={"title": "by bearer"}, headers=bearer(token))
        assert created.status_code == 201, created.text


async def test_the_cookie_cache_is_verified_locally(app_with: AppWith, better_auth: SessionServer) -> None:
    user = {"id": "ba-cached", "email": "cached@example.com", "name": "Cache"}
    async with cookie_client(app_with, better_auth) as client:
        headers = cookies(**{CACHE_COOKIE: cookie_cache_for(user)}) | {"Origin": TRUSTED}
        created = await client.post("/api/tasks", json={"title": "cached"}, headers=headers)
        assert created.status_code == 201, created.text
        assert (await client.get("/api/auth/me", headers=headers)).json()["id"] == "ba-cached"
        forged = cookies(**{CACHE_COOKIE: jwt.encode({"user": user, "exp": 2**31}, "x" * 40, algorithm="HS256")})
        assert (await client.get("/api/tasks", headers=forged)).status_code == 401
    assert better_auth.calls == 0


async def test_an_expired_cookie_cache_falls_back_to_the_session_token(
    app_with: AppWith, better_auth: SessionServer
) -> None:
    token = better_auth.new_session()
    stale = cookie_cache_for(better_auth.user_of(token), expires_in=-3600)
    async with cookie_client(app_with, better_auth) as client:
        both = cookies(**{CACHE_COOKIE: stale, SESSION_COOKIE: signed(token)})
        assert (await client.get("/api/auth/me", headers=both)).json()["id"] == better_auth.user_of(token)["id"]
        assert better_auth.calls == 1
        only_stale = await client.get("/api/auth/me", headers=cookies(**{CACHE_COOKIE: stale}))
        assert only_stale.status_code == 401
        assert only_stale.json()["detail"] == "Token has expired"


async def test_secure_names_and_a_custom_prefix_are_read(app_with: AppWith, better_auth: SessionServer) -> None:
    token = better_auth.new_session()
    async with cookie_client(app_with, better_auth) as client:
        secure = await client.get("/api/auth/me", headers=session_cookie(token, f"__Secure-{SESSION_COOKIE}"))
        assert secure.status_code == 200, secure.text
    async with cookie_client(app_with, better_auth, better_auth_cookie_prefix="todo") as client:
        assert (
            await client.get("/api/auth/me", headers=session_cookie(token, "todo.session_token"))
        ).status_code == 200
        assert (await client.get("/api/auth/me", headers=session_cookie(token))).status_code == 401
