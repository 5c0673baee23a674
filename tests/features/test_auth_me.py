"""GET /api/auth/me: the caller, never a password hash."""

import httpx

from app.shared.kernel import Kernel
from tests.factories import revoke, signed_in_user
from tests.features.auth_helpers import auth, registered


async def test_returns_the_caller(client: httpx.AsyncClient, kernel: Kernel) -> None:
    session = await registered(kernel)
    response = await client.get("/api/auth/me", headers=auth(session))
    assert (response.status_code, response.json()) == (200, session["user"])
    assert "password" not in response.text


async def test_a_revoked_sign_in_is_401(client: httpx.AsyncClient, kernel: Kernel) -> None:
    me = await signed_in_user(kernel)
    await revoke(kernel, me)
    response = await client.get("/api/auth/me", headers=me.headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
