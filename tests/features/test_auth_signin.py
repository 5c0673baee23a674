"""POST /api/auth/signin: one answer for every failure, a new sign-in (device) for every success."""

import httpx
from sqlmodel import col, func, select

from app.shared.database.tables import SignIn
from app.shared.kernel import Kernel
from tests.factories import create_user
from tests.features.auth_helpers import PASSWORD, claims, registered, sign_in

REFUSED = {"detail": "Invalid email or password", "message": "Invalid email or password"}


async def test_signs_in_with_any_case_and_spacing_of_the_email(client: httpx.AsyncClient, kernel: Kernel) -> None:
    account = await registered(kernel, email="ada@example.com")
    session = await sign_in(client, email="  ADA@example.com ")
    assert session["user"] == account["user"]
    assert (session["token_type"], session["expires_in"]) == ("bearer", 900)
    assert claims(session["access_token"])["sid"] != claims(account["access_token"])["sid"]
    async with kernel.database.orm_session() as db:
        devices = await db.scalar(select(func.count()).where(col(SignIn.user_id) == account["user"]["id"]))
    assert devices == 2


async def test_wrong_password_and_unknown_email_answer_alike(client: httpx.AsyncClient, kernel: Kernel) -> None:
    await registered(kernel)
    wrong = await client.post("/api/auth/signin", json={"email": "ada@example.com", "password": "not it at all"})
    unknown = await client.post("/api/auth/signin", json={"email": "who@example.com", "password": PASSWORD})
    for response in (wrong, unknown):
        assert (response.status_code, response.json()) == (401, REFUSED)
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_better_auth_account_has_no_password_to_sign_in_with(client: httpx.AsyncClient, kernel: Kernel) -> None:
    await create_user(kernel, email="social@example.com")  # provisioned from a token: no password hash
    response = await client.post("/api/auth/signin", json={"email": "social@example.com", "password": PASSWORD})
    assert (response.status_code, response.json()) == (401, REFUSED)


async def test_invalid_bodies_are_422_or_400(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/auth/signin", json={"email": "a@example.com"})).status_code == 422
    assert (await client.post("/api/auth/signin", json={"email": "x", "password": "y"})).status_code == 422
    broken = await client.post("/api/auth/signin", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
