"""POST /api/auth/signout: this sign-in's tokens stop working everywhere; other devices carry on."""

import time

import httpx
from jose import jwt

from app.shared.kernel import Kernel
from tests.conftest import TEST_SECRET
from tests.factories import count_tasks
from tests.features.auth_helpers import auth, registered, sign_in


async def test_both_tokens_of_the_sign_in_stop_working(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await registered(kernel)
    response = await client.post("/api/auth/signout", headers=auth(session))
    assert (response.status_code, response.json()) == (200, {"detail": "Signed out"})
    assert (await client.get("/api/auth/me", headers=auth(session))).status_code == 401
    assert (await client.get("/api/tasks", headers=auth(session))).status_code == 401
    assert (await client.post("/api/tasks", json={"title": "x"}, headers=auth(session))).status_code == 401
    assert await count_tasks(kernel, session["user"]["id"]) == 0
    refresh = await client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refresh.status_code == 401
    assert (await client.post("/api/auth/signout", headers=auth(session))).status_code == 401


async def test_other_devices_stay_signed_in(client: httpx.AsyncClient, kernel: Kernel) -> None:
    phone = await registered(kernel)
    laptop = await sign_in(client)
    await client.post("/api/auth/signout", headers=auth(phone))
    assert (await client.get("/api/auth/me", headers=auth(laptop))).status_code == 200


async def test_a_refresh_token_in_the_body_is_revoked_too_when_it_is_the_callers(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    phone = await registered(kernel)
    laptop = await sign_in(client)
    response = await client.post(
        "/api/auth/signout", json={"refresh_token": laptop["refresh_token"]}, headers=auth(phone)
    )
    assert response.status_code == 200
    assert (await client.get("/api/auth/me", headers=auth(laptop))).status_code == 401


async def test_someone_elses_or_a_broken_refresh_token_is_ignored(client: httpx.AsyncClient, kernel: Kernel) -> None:
    mine = await registered(kernel)
    theirs = await registered(kernel, email="other@example.com")
    response = await client.post(
        "/api/auth/signout", json={"refresh_token": theirs["refresh_token"]}, headers=auth(mine)
    )
    assert response.status_code == 200
    assert (await client.get("/api/auth/me", headers=auth(theirs))).status_code == 200
    again = await sign_in(client)
    broken = await client.post("/api/auth/signout", json={"refresh_token": "garbage"}, headers=auth(again))
    assert broken.status_code == 200


async def test_a_better_auth_token_signs_out_without_revoking_anything(client: httpx.AsyncClient) -> None:
    token = jwt.encode(
        {"sub": "ba-user", "email": "ba@example.com", "exp": int(time.time()) + 60}, TEST_SECRET, algorithm="HS256"
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/api/auth/signout", headers=headers)).status_code == 200
    # Better Auth owns that session: ending it is the frontend's call, so the token still works here.
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 200


async def test_without_a_token_it_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/signout")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
