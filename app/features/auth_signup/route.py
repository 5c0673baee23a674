"""POST /api/auth/signup (alias /api/auth/register): an account created and signed in."""

from typing import Any

from fastapi import APIRouter, status

from app.features.auth_signup.handler import handle
from app.features.auth_signup.request import AccountCreate
from app.shared.for_slices import AuthRateLimit, AuthSession, PasswordsDep, SessionDep, TokensDep

router = APIRouter(tags=["Auth"], dependencies=[AuthRateLimit])
# Its own error only, described by the detail it answers with: the kernel documents every other status.
EMAIL_TAKEN: dict[int | str, dict[str, Any]] = {409: {"description": "Email already registered"}}


# The alias hackathon frontends call is the same route, so it shares the per-IP bucket and everything else.
@router.post(
    "/api/auth/register",
    status_code=status.HTTP_201_CREATED,
    responses=EMAIL_TAKEN,
    summary="Register (alias of /api/auth/signup)",
)
@router.post("/api/auth/signup", status_code=status.HTTP_201_CREATED, responses=EMAIL_TAKEN)
async def sign_up(data: AccountCreate, session: SessionDep, tokens: TokensDep, passwords: PasswordsDep) -> AuthSession:
    """Create an account and sign it in; 409 when the email is already registered."""
    return await handle(session=session, tokens=tokens, passwords=passwords, data=data)
