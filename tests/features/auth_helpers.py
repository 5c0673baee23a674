"""HTTP steps the auth tests share: sign up and sign in through the API, decode what came back."""

from typing import Any

import httpx
from jose import jwt

from tests.conftest import TEST_SECRET

PASSWORD = "correct horse battery"


async def sign_up(client: httpx.AsyncClient, email: str = "ada@example.com", **fields: Any) -> dict[str, Any]:
    body = {"email": email, "password": PASSWORD, "name": "Ada"} | fields
    response = await client.post("/api/auth/signup", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def sign_in(client: httpx.AsyncClient, email: str = "ada@example.com") -> dict[str, Any]:
    response = await client.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, TEST_SECRET, algorithms=["HS256"], options={"verify_aud": False})


def auth(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}
