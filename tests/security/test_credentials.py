"""Passwords, tokens and sign-out, from the attacker's side: what each attempt gets back."""

import base64
import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import bcrypt
import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from sqlmodel import col, select

from app.shared.auth import passwords
from app.shared.database.tables import User
from app.shared.kernel import Kernel
from app.shared.settings import ConfigurationError, Settings, load_settings
from tests.conftest import TEST_SECRET, client_for
from tests.factories import bearer, create_task, signed_in_user

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
UNAUTHORIZED = {"detail": "Invalid email or password", "message": "Invalid email or password"}


def test_production_refuses_a_bcrypt_cost_below_12() -> None:
    assert Settings.model_fields["bcrypt_rounds"].default == 12
    with pytest.raises(ConfigurationError, match="BCRYPT_ROUNDS must be at least 12 outside tests"):
        load_settings(_env_file=None, app_env="production", bcrypt_rounds=11)


def test_a_short_secret_stops_start_up() -> None:
    with pytest.raises(ConfigurationError, match="BETTER_AUTH_SECRET must be set to at least 32 characters"):
        load_settings(_env_file=None, better_auth_secret="x" * 31)


async def test_stored_hashes_are_bcrypt_at_the_configured_cost(client: httpx.AsyncClient, kernel: Kernel) -> None:
    body = {"email": "hash@example.com", "password": "correct horse battery", "name": "H"}
    assert (await client.post("/api/auth/signup", json=body)).status_code == 201
    async with kernel.database.orm_session() as session:
        stored = await session.scalar(select(col(User.password_hash)).where(User.email == "hash@example.com"))
    assert stored is not None
    assert stored.startswith(f"$2b${kernel.settings.bcrypt_rounds:02d}$")
    assert "correct horse battery" not in stored


async def test_passwords_sharing_their_first_72_bytes_do_not_unlock_each_other(client: httpx.AsyncClient) -> None:
    shared = "é" * 36  # 72 UTF-8 bytes: all bcrypt itself would ever look at
    body = {"email": "long@example.com", "password": shared + "-one", "name": "L"}
    assert (await client.post("/api/auth/signup", json=body)).status_code == 201
    other = await client.post("/api/auth/signin", json={"email": "long@example.com", "password": shared + "-two"})
    right = await client.post("/api/auth/signin", json={"email": "long@example.com", "password": shared + "-one"})
    assert (other.status_code, other.json()) == (401, UNAUTHORIZED)
    assert right.status_code == 200


async def test_an_unknown_email_costs_a_bcrypt_check_and_answers_like_a_wrong_password(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"email": "known@example.com", "password": "correct horse battery", "name": "K"}
    assert (await client.post("/api/auth/signup", json=body)).status_code == 201
    checks: list[int] = []
    checkpw = bcrypt.checkpw

    def counted_checkpw(password: bytes, hashed: bytes) -> bool:
        checks.append(1)
        return bool(checkpw(password, hashed))

    monkeypatch.setattr(passwords.bcrypt, "checkpw", counted_checkpw)
    unknown = await client.post("/api/auth/signin", json={"email": "nobody@example.com", "password": "guess-guess"})
    after_unknown = len(checks)
    wrong = await client.post("/api/auth/signin", json={"email": "known@example.com", "password": "guess-guess"})
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json()) == (401, UNAUTHORIZED)
    assert after_unknown == 1
    assert len(checks) == 2


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_forged_and_misused_tokens_are_401(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await signed_in_user(kernel)
    claims = {"sub": session.user.id, "email": session.user.email, "type": "access", "exp": int(time.time()) + 600}
    forged = {
        "alg none": _unsigned(claims),
        "HS512 with the right secret": jwt.encode(claims, TEST_SECRET, algorithm="HS512"),
        "HS256 with another secret": jwt.encode(claims, "not-the-secret-" * 3, algorithm="HS256"),
        "no exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, TEST_SECRET, algorithm="HS256"),
        "a refresh token": session.refresh_token,
    }
    for name, token in forged.items():
        response = await client.get("/api/tasks", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"] == "Bearer", name
    as_refresh = await client.post("/api/auth/refresh", json={"refresh_token": session.access_token})
    assert as_refresh.status_code == 401
    assert (await client.get("/api/tasks", headers=session.headers)).status_code == 200


async def test_a_sign_out_on_one_worker_is_enforced_by_every_other(
    client: httpx.AsyncClient, app_with: AppWith
) -> None:
    # Two separately built apps on one database, as two worker processes are: revocation lives in SQL.
    async with app_with() as other_worker, client_for(other_worker) as other_client:
        session = await signed_in_user(other_worker.state.kernel)
        assert (await other_client.get("/api/tasks", headers=session.headers)).status_code == 200
        assert (await client.post("/api/auth/signout", headers=session.headers)).status_code == 200
        after = await other_client.get("/api/tasks", headers=session.headers)
    assert (after.status_code, after.json()) == (
        401,
        {"detail": "Token has been revoked", "message": "Token has been revoked"},
    )


async def test_a_replayed_refresh_token_ends_the_whole_sign_in(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await signed_in_user(kernel)
    rotated = await client.post("/api/auth/refresh", json={"refresh_token": session.refresh_token})
    assert rotated.status_code == 200
    replayed = await client.post("/api/auth/refresh", json={"refresh_token": session.refresh_token})
    newest_access = await client.get("/api/tasks", headers=bearer(rotated.json()["access_token"]))
    newest_refresh = await client.post("/api/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]})
    assert replayed.status_code == 401
    assert newest_access.status_code == 401
    assert newest_refresh.status_code == 401


async def test_another_users_task_is_404_on_every_verb_and_stays_untouched(
    client: httpx.AsyncClient, kernel: Kernel
) -> None:
    alice = await signed_in_user(kernel)
    bob = await signed_in_user(kernel)
    bobs = await create_task(kernel, bob, title="Bob's", completed=False)
    path = f"/api/tasks/{bobs.id}"
    attempts = [
        await client.get(path, headers=alice.headers),
        await client.put(path, json={"title": "mine now"}, headers=alice.headers),
        await client.patch(path, json={"completed": True}, headers=alice.headers),
        await client.patch(f"{path}/toggle", headers=alice.headers),
        await client.patch(f"{path}/complete", headers=alice.headers),
        await client.delete(path, headers=alice.headers),
    ]
    assert [(r.status_code, r.json()) for r in attempts] == [
        (404, {"detail": "Task not found", "message": "Task not found"})
    ] * 6
    untouched = await client.get(path, headers=bob.headers)
    assert (untouched.json()["title"], untouched.json()["completed"]) == ("Bob's", False)
