"""Our API against tokens from a real Better Auth server (npm `better-auth` 1.7), not hand-made look-alikes.

Each test signs a user up through Better Auth's own HTTP API and uses the tokens it hands out on our task
routes, with our app in-process and pointed at that server (`BETTER_AUTH_URL`), on SQLite and on PostgreSQL.
The session tokens (bearer and cookies) are checked by asking this same server's get-session.
"""

import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from tests.better_auth.harness import (
    COOKIE_CACHE_COOKIE,
    SESSION_TOKEN_COOKIE,
    BetterAuthServer,
    BetterAuthServers,
    BetterAuthUser,
)
from tests.conftest import client_for, running_app, test_settings

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
ALGORITHMS = [
    "EdDSA",
    "ES256",
    "RS256",
    "PS256",
    "ES512",
]


FRONTEND = "http://localhost:3000"


@asynccontextmanager
async def api_for(database_url: str, server: BetterAuthServer, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Our app, configured as in a deployment behind that Better Auth server; fresh key and session caches."""
    async with (
        running_app(test_settings(database_url, better_auth_url=server.base_url, **settings)) as app,
        client_for(app) as client,
    ):
        yield client


def new_user(server: BetterAuthServer, name: str = "Ann") -> BetterAuthUser:
    # A fresh email per test: both databases live for the whole session, and an email names one account.
    return server.sign_up(f"{name.lower()}-{uuid.uuid4().hex[:12]}@example.com", PASSWORD, name)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jose_header(token: str) -> dict[str, Any]:
    segment = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


async def create_task(client: httpx.AsyncClient, token: str, title: str) -> dict[str, Any]:
    response = await client.post("/api/tasks", json={"title": title}, headers=bearer(token))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def list_tasks(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    response = await client.get("/api/tasks", headers=bearer(token))
    assert response.status_code == 200, response.text
    return list(response.json())


async def assert_creates_and_lists_tasks(client: httpx.AsyncClient, token: str, user: BetterAuthUser) -> None:
    task = await create_task(client, token, f"Task of {user.name}")
    assert [listed["id"] for listed in await list_tasks(client, token)] == [task["id"]]
    me = await client.get("/api/auth/me", headers=bearer(token))
    assert (me.json()["id"], me.json()["email"]) == (user.user_id, user.email)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_a_jwt_plugin_token_creates_and_lists_tasks(
    database_url: str, better_auth_servers: BetterAuthServers, algorithm: str
) -> None:
    server = better_auth_servers.get(algorithm)
    user = new_user(server)
    # The server really signs with that algorithm, so a pass or a failure below is about our side.
    assert jose_header(user.jwt)["alg"] == algorithm
    async with api_for(database_url, server) as client:
        await assert_creates_and_lists_tasks(client, user.jwt, user)


async def test_the_cookie_cache_jwt_creates_and_lists_tasks(database_url: str, better_auth: BetterAuthServer) -> None:
    user = new_user(better_auth)
    # Better Auth 1.7's cookieCache strategy "jwt" is a JWS signed HS256 with the shared secret, not a JWE.
    assert jose_header(user.cookie_cache) == {"alg": "HS256"}
    async with api_for(database_url, better_auth) as client:
        await assert_creates_and_lists_tasks(client, user.cookie_cache, user)


async def test_a_second_better_auth_user_sees_none_of_the_first_ones_tasks(
    database_url: str, better_auth: BetterAuthServer
) -> None:
    ann, bob = new_user(better_auth, "Ann"), new_user(better_auth, "Bob")
    async with api_for(database_url, better_auth) as client:
        task = await create_task(client, ann.jwt, "Ann's secret")
        for token in (bob.jwt, bob.cookie_cache, bob.session_token):
            assert await list_tasks(client, token) == []
            response = await client.get(f"/api/tasks/{task['id']}", headers=bearer(token))
            assert response.status_code == 404, response.text
        assert [listed["id"] for listed in await list_tasks(client, ann.cookie_cache)] == [task["id"]]


async def test_rotation_publishes_the_new_key_and_retires_the_old(
    database_url: str, better_auth: BetterAuthServer
) -> None:
    """The harness's rotation itself, seen by an app that fetches the key set afresh; no cache in play."""
    user = new_user(better_auth)
    old_kid = jose_header(user.jwt)["kid"]
    new_kid = better_auth.rotate_keys(retire_old=True)
    rotated = better_auth.jwt_for(user.session_token)
    assert jose_header(rotated)["kid"] == new_kid != old_kid
    assert [key["kid"] for key in better_auth.jwks()] == [new_kid]
    async with api_for(database_url, better_auth) as client:
        assert (await client.get("/api/tasks", headers=bearer(rotated))).status_code == 200
        assert (await client.get("/api/tasks", headers=bearer(user.jwt))).status_code == 401


async def test_a_token_signed_with_a_rotated_key_is_accepted_at_once(
    database_url: str, better_auth: BetterAuthServer
) -> None:
    user = new_user(better_auth)
    async with api_for(database_url, better_auth) as client:
        # The first request fetches and caches the key set; the rotation follows within the refetch cooldown.
        assert (await client.get("/api/tasks", headers=bearer(user.jwt))).status_code == 200
        new_kid = better_auth.rotate_keys()
        rotated = better_auth.jwt_for(user.session_token)
        assert jose_header(rotated)["kid"] == new_kid
        response = await client.get("/api/tasks", headers=bearer(rotated))
        assert response.status_code == 200, response.text


async def test_the_opaque_session_token_of_the_bearer_plugin_creates_and_lists_tasks(
    database_url: str, better_auth: BetterAuthServer
) -> None:
    user = new_user(better_auth)
    async with api_for(database_url, better_auth) as client:
        await assert_creates_and_lists_tasks(client, user.session_token, user)


async def test_the_raw_session_token_works_too(database_url: str, better_auth: BetterAuthServer) -> None:
    """`session.token` from the client's getSession(), unsigned: Better Auth's bearer() plugin signs it itself."""
    user = new_user(better_auth)
    raw = unquote(user.session_token).partition(".")[0]
    async with api_for(database_url, better_auth) as client:
        await assert_creates_and_lists_tasks(client, raw, user)


async def test_a_session_ended_in_better_auth_is_refused_once_the_cache_lapses(
    database_url: str, better_auth: BetterAuthServer
) -> None:
    user = new_user(better_auth)
    async with api_for(database_url, better_auth, better_auth_session_cache_seconds=0) as client:
        assert (await client.get("/api/tasks", headers=bearer(user.session_token))).status_code == 200
        better_auth.sign_out(user.session_token)
        refused = await client.get("/api/tasks", headers=bearer(user.session_token))
        assert refused.status_code == 401, refused.text


def browser_cookies(user: BetterAuthUser, *, cookie_cache: bool) -> dict[str, str]:
    """The Cookie header a page on the frontend's origin sends with `credentials: "include"`."""
    cookies = {SESSION_TOKEN_COOKIE: user.session_cookie} | (
        {COOKIE_CACHE_COOKIE: user.cookie_cache} if cookie_cache else {}
    )
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()), "Origin": FRONTEND}


@pytest.mark.parametrize("cookie_cache", [True, False], ids=["with-cookie-cache", "session-token-only"])
async def test_session_cookies_create_and_list_tasks_and_refuse_other_origins(
    database_url: str, better_auth: BetterAuthServer, cookie_cache: bool
) -> None:
    user, other = new_user(better_auth, "Ann"), new_user(better_auth, "Bob")
    cookie_mode = {"better_auth_session_cookies": True, "cors_origins": FRONTEND}
    async with api_for(database_url, better_auth, **cookie_mode) as client:
        page = browser_cookies(user, cookie_cache=cookie_cache)
        created = await client.post("/api/tasks", json={"title": "from the page"}, headers=page)
        assert created.status_code == 201, created.text
        listed = await client.get("/api/tasks", headers=page)
        assert [task["id"] for task in listed.json()] == [created.json()["id"]]
        assert (await client.get("/api/tasks", headers=browser_cookies(other, cookie_cache=cookie_cache))).json() == []
        elsewhere = page | {"Origin": "https://elsewhere.example"}
        refused = await client.delete(f"/api/tasks/{created.json()['id']}", headers=elsewhere)
        assert refused.status_code == 403, refused.text
        assert len((await client.get("/api/tasks", headers=page)).json()) == 1
