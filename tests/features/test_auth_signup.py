"""POST /api/auth/signup: a validated, unique, lower-cased account, signed in at once."""

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, func, select

from app.shared.database.tables import SignIn, User
from app.shared.kernel import Kernel
from tests.conftest import client_for
from tests.features.auth_helpers import PASSWORD, claims

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]


async def sign_up(client: httpx.AsyncClient, email: str = "ada@example.com", **fields: Any) -> dict[str, Any]:
    body = {"email": email, "password": PASSWORD, "name": "Ada"} | fields
    response = await client.post("/api/auth/signup", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_creates_the_account_and_signs_it_in(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await sign_up(client, email="  Ada.Lovelace@Example.COM ", name="  Ada  ")
    assert set(session) == {"user", "access_token", "refresh_token", "token_type", "expires_in", "token"}
    assert (session["token_type"], session["expires_in"]) == ("bearer", 900)
    user = session["user"]
    assert set(user) == {"id", "email", "name", "created_at"}
    assert (user["email"], user["name"]) == ("ada.lovelace@example.com", "Ada")
    access, refresh = claims(session["access_token"]), claims(session["refresh_token"])
    assert access["sub"] == access["user_id"] == user["id"]
    assert (access["type"], refresh["type"], access["email"]) == ("access", "refresh", user["email"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 86_400
    assert access["jti"] != refresh["jti"]
    assert access["sid"] == refresh["sid"]
    async with kernel.database.orm_session() as db:
        stored = await db.get(User, user["id"])
        sign_ins = await db.scalar(select(func.count()).where(col(SignIn.user_id) == user["id"]))
    assert stored is not None
    assert stored.email == "ada.lovelace@example.com"
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$2b$")
    assert sign_ins == 1


async def test_no_response_carries_a_password_or_hash(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/signup", json={"email": "a@example.com", "password": PASSWORD, "name": "A"})
    assert "password" not in response.text
    assert "$2b$" not in response.text


async def test_an_email_is_registered_once_whatever_its_case(client: httpx.AsyncClient) -> None:
    await sign_up(client, email="ada@example.com")
    again = await client.post(
        "/api/auth/signup", json={"email": "ADA@Example.com", "password": PASSWORD, "name": "Other"}
    )
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "Email already registered", "message": "Email already registered"},
    )


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("email", "not-an-email", 422),
        ("email", "", 422),
        ("password", "x" * 7, 422),
        ("password", "x" * 8, 201),
        ("password", "😀" * 128, 201),
        ("password", "x" * 129, 422),
        ("name", "", 422),
        ("name", "   ", 422),
        ("name", "n" * 100, 201),
        ("name", "n" * 101, 422),
        ("name", "Ada\x00Lovelace", 422),
    ],
)
async def test_field_limits(client: httpx.AsyncClient, field: str, value: str, status: int) -> None:
    body = {"email": "limits@example.com", "password": PASSWORD, "name": "Limits"} | {field: value}
    response = await client.post("/api/auth/signup", json=body)
    assert response.status_code == status, response.text


async def test_concurrent_sign_ups_with_one_email_give_one_account(
    client: httpx.AsyncClient, kernel: Kernel, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent writers racing on the unique index is PostgreSQL's to show")
    body = {"email": "race@example.com", "password": PASSWORD, "name": "Racer"}
    responses = await asyncio.gather(*(client.post("/api/auth/signup", json=body) for _ in range(10)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 9
    async with kernel.database.orm_session() as db:
        accounts = await db.scalar(select(func.count()).where(col(User.email) == "race@example.com"))
    assert accounts == 1


async def test_hashing_does_not_block_other_requests(app_with: AppWith, monkeypatch: pytest.MonkeyPatch) -> None:
    async with app_with(bcrypt_rounds=13) as app, client_for(app) as client:
        hasher = app.state.kernel.passwords
        moments: dict[str, float] = {}
        hash_sync = hasher._hash_sync

        def timed_hash(password: str) -> str:
            moments["hash started"] = time.monotonic()
            try:
                return hash_sync(password)  # type: ignore[no-any-return]
            finally:
                moments["hash ended"] = time.monotonic()

        monkeypatch.setattr(hasher, "_hash_sync", timed_hash)

        async def health_while_hashing() -> None:
            while "hash started" not in moments:
                await asyncio.sleep(0.001)
            assert (await client.get("/health")).status_code == 200
            moments["health answered"] = time.monotonic()

        body = {"email": "slow@example.com", "password": PASSWORD, "name": "S"}
        signup, _ = await asyncio.gather(client.post("/api/auth/signup", json=body), health_while_hashing())
    assert signup.status_code == 201
    # Answered while the hash was still running: the event loop was free the whole time.
    assert moments["hash started"] < moments["health answered"] < moments["hash ended"]
