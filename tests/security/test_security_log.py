"""One structured event per security-relevant fact, with request id and client IP; never a password or token."""

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
from fastapi import FastAPI
from jose import jwt

from app.shared.kernel import Kernel
from tests.conftest import TEST_SECRET, client_for
from tests.factories import bearer, create_task, signed_in_user
from tests.security.logs import captured_lines, captured_logs, events

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "Tr0ub4dor&3-wrong"


async def test_a_failed_sign_in_is_one_event_and_no_line_holds_a_password_or_token(
    client: httpx.AsyncClient,
) -> None:
    signed_up = await client.post(
        "/api/auth/signup", json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
    )
    tokens = signed_up.json()
    # A changed character in the middle of the signature: the last ones may differ only in base64's unused bits.
    head, _, signature = tokens["access_token"].rpartition(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    tampered_token = f"{head}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    with captured_lines() as lines, captured_logs() as records:
        failed = await client.post(
            "/api/auth/signin",
            json={"email": "ada@example.com", "password": WRONG_PASSWORD},
            headers={"X-Request-ID": "signin-1"},
        )
        succeeded = await client.post("/api/auth/signin", json={"email": "ada@example.com", "password": PASSWORD})
        tampered = await client.get("/api/tasks", headers=bearer(tampered_token))
    assert (failed.status_code, succeeded.status_code, tampered.status_code) == (401, 200, 401)
    [event] = events(records, "signin_failed")
    assert event["extra"]["email"] == "ada@example.com"
    assert event["extra"]["request_id"] == "signin-1"
    assert event["extra"]["client_ip"] == "127.0.0.1"
    assert event["level"].name == "WARNING"
    secrets = [
        PASSWORD,
        WRONG_PASSWORD,
        tokens["access_token"],
        tokens["refresh_token"],
        succeeded.json()["access_token"],
        succeeded.json()["refresh_token"],
        tampered_token,
        TEST_SECRET,
    ]
    assert lines, "nothing was logged: the test would prove nothing"
    for line in lines:
        for secret in secrets:
            assert secret not in line
        # No part of a token either: a JWT's signature is its last segment.
        assert tokens["access_token"].rsplit(".", 1)[1] not in line


async def test_rejected_tokens_are_logged_with_the_reason_never_the_token(client: httpx.AsyncClient) -> None:
    expired = jwt.encode(
        {"sub": "u-1", "email": "u@example.com", "type": "access", "exp": int(time.time()) - 60},
        TEST_SECRET,
        algorithm="HS256",
    )
    other_key = jwt.encode(
        {"sub": "u-1", "email": "u@example.com", "exp": int(time.time()) + 60}, "another-key-" * 4, algorithm="HS256"
    )
    with captured_lines() as lines, captured_logs() as records:
        for token in (expired, other_key, "not-a-jwt"):
            assert (await client.get("/api/tasks", headers=bearer(token))).status_code == 401
    reasons = [record["extra"]["reason"] for record in events(records, "invalid_token")]
    assert reasons == ["Token has expired", "Invalid token", "Malformed token"]
    assert all(record["extra"]["client_ip"] == "127.0.0.1" for record in events(records, "invalid_token"))
    assert not any(token in line for line in lines for token in (expired, other_key))


async def test_a_signed_out_token_is_logged_as_revoked(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await signed_in_user(kernel)
    task = await create_task(kernel, session)
    assert (await client.post("/api/auth/signout", headers=session.headers)).status_code == 200
    with captured_logs() as records:
        me = await client.get("/api/auth/me", headers=session.headers)
        task_read = await client.get(f"/api/tasks/{task.id}", headers=session.headers)
    assert (me.status_code, task_read.status_code) == (401, 401)
    assert me.json() == {"detail": "Token has been revoked", "message": "Token has been revoked"}
    revoked = events(records, "revoked_token")
    assert len(revoked) == 2
    assert {record["extra"]["sign_in_id"] for record in revoked} == {session.sign_in_id}
    assert {record["extra"]["user_id"] for record in revoked} == {session.user.id}
    assert all(record["extra"]["request_id"] != "-" for record in revoked)


async def test_every_kind_of_event_carries_request_id_and_client_ip(app_with: AppWith) -> None:
    async with app_with(rate_limit_enabled=True, rate_limit_auth="3/minute") as app, client_for(app) as client:
        kernel = app.state.kernel
        alice = await signed_in_user(kernel)
        bob = await signed_in_user(kernel)
        bobs_task = await create_task(kernel, bob)
        with captured_logs() as records:
            await client.get(f"/api/tasks/{bobs_task.id}", headers=alice.headers)  # task_probe
            await client.get("/api/tasks", headers=bearer("garbage"))  # invalid_token
            await client.post("/api/auth/signin", json={"email": "nobody@example.com", "password": "x"})
            rotated = await client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token})
            await client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token})  # refresh_reuse
            await client.get("/api/auth/me", headers=bearer(rotated.json()["access_token"]))  # revoked_token
            await client.post("/api/auth/signup", json={})  # the 4th auth request: rate_limit_hit
    security = [record for record in records if record["extra"].get("security")]
    kinds = [record["extra"]["event"] for record in security]
    assert kinds == [
        "task_probe",
        "invalid_token",
        "signin_failed",
        "refresh_reuse",
        "revoked_token",
        "rate_limit_hit",
    ]
    for record in security:
        assert len(record["extra"]["request_id"]) == 32
        assert record["extra"]["client_ip"] == "127.0.0.1"
