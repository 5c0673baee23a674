"""POST /api/auth/refresh: rotation, and reuse detection that ends the whole sign-in."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from loguru import logger
from sqlalchemy import update
from sqlmodel import col

from app.shared.database.column_types import utc_now
from app.shared.database.tables import SignIn
from app.shared.kernel import Kernel
from tests.features.auth_helpers import auth, claims, registered


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


async def test_rotates_the_refresh_token(client: httpx.AsyncClient, kernel: Kernel) -> None:
    first = await registered(kernel)
    response = await refresh(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in", "token"}
    assert second["refresh_token"] != first["refresh_token"]
    assert claims(second["refresh_token"])["sid"] == claims(first["refresh_token"])["sid"]
    assert (await client.get("/api/auth/me", headers=auth(second))).status_code == 200
    assert (await refresh(client, second["refresh_token"])).status_code == 200


async def test_replaying_a_retired_token_revokes_the_whole_sign_in(client: httpx.AsyncClient, kernel: Kernel) -> None:
    first = await registered(kernel)
    second = (await refresh(client, first["refresh_token"])).json()
    events: list[str] = []
    sink = logger.add(lambda message: events.append(str(message)), level="WARNING")
    try:
        replay = await refresh(client, first["refresh_token"])
    finally:
        logger.remove(sink)
    assert replay.status_code == 401
    assert (await refresh(client, second["refresh_token"])).status_code == 401
    assert (await client.get("/api/auth/me", headers=auth(second))).status_code == 401
    assert (await client.get("/api/tasks", headers=auth(first))).status_code == 401
    async with kernel.database.orm_session() as db:
        sign_in = await db.get(SignIn, claims(first["refresh_token"])["sid"])
    assert sign_in is not None
    assert sign_in.revoked_at is not None
    reuse = [event for event in events if "refresh_reuse" in event]
    assert len(reuse) == 1
    assert first["refresh_token"] not in reuse[0]


async def test_an_other_sign_in_survives_a_replay(client: httpx.AsyncClient, kernel: Kernel) -> None:
    phone = await registered(kernel)
    laptop = (
        await client.post("/api/auth/signin", json={"email": "ada@example.com", "password": "correct horse battery"})
    ).json()
    await refresh(client, phone["refresh_token"])
    assert (await refresh(client, phone["refresh_token"])).status_code == 401
    assert (await client.get("/api/auth/me", headers=auth(laptop))).status_code == 200


async def test_two_racing_refreshes_with_one_token_let_one_through(
    client: httpx.AsyncClient, kernel: Kernel, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent compare-and-swap is PostgreSQL's to show")
    session = await registered(kernel)
    responses = await asyncio.gather(*(refresh(client, session["refresh_token"]) for _ in range(5)))
    assert sorted(response.status_code for response in responses) == [200, 401, 401, 401, 401]


async def test_an_expired_sign_in_cannot_refresh(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await registered(kernel)
    async with kernel.database.orm_session() as db:
        await db.exec(
            update(SignIn)
            .where(col(SignIn.id) == claims(session["refresh_token"])["sid"])
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )
        await db.commit()
    assert (await refresh(client, session["refresh_token"])).status_code == 401


async def test_tokens_of_the_wrong_kind_or_shape_are_refused(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await registered(kernel)
    assert (await refresh(client, session["access_token"])).status_code == 401
    assert (await refresh(client, "not.a.token")).status_code == 401
    assert (await client.post("/api/auth/refresh", json={})).status_code == 422
