"""What the auth tests share: an account put straight into the database, sign-in through the API, claims."""

from datetime import UTC, datetime
from typing import Any

import httpx
from jose import jwt

from app.shared.kernel import Kernel
from tests.conftest import TEST_SECRET
from tests.factories import signed_in_user

PASSWORD = "correct horse battery"


async def registered(kernel: Kernel, email: str = "ada@example.com", name: str = "Ada") -> dict[str, Any]:
    """An account with PASSWORD and a live sign-in, made by the factories (not through sign-up), in the shape a
    sign-up answers."""
    account = await signed_in_user(kernel, email=email, name=name, password=PASSWORD)
    user = account.user
    return {
        "user": {"id": user.id, "email": user.email, "name": user.name, "created_at": iso(user.created_at)},
        "access_token": account.access_token,
        "refresh_token": account.refresh_token,
    }


def iso(moment: datetime) -> str:
    """A timestamp as the API renders it (UTC, `Z`)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def sign_in(client: httpx.AsyncClient, email: str = "ada@example.com") -> dict[str, Any]:
    response = await client.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, TEST_SECRET, algorithms=["HS256"], options={"verify_aud": False})


def auth(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}
