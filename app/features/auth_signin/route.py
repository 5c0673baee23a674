"""POST /api/auth/signin: email and password checked, a new sign-in started."""

from fastapi import APIRouter

from app.features.auth_signin.handler import handle
from app.features.auth_signin.request import AccountSignIn
from app.shared.for_slices import (
    AuthRateLimit,
    AuthSession,
    Message,
    PasswordsDep,
    SessionDep,
    SignInEmailLimit,
    TokensDep,
)

router = APIRouter(tags=["Auth"], dependencies=[AuthRateLimit])


@router.post("/api/auth/signin", responses={401: {"model": Message}})
async def sign_in(
    data: AccountSignIn, session: SessionDep, tokens: TokensDep, passwords: PasswordsDep, limit: SignInEmailLimit
) -> AuthSession:
    """Sign in with email and password; every sign-in is a device that can sign out on its own."""
    await limit(data.email)
    return await handle(session=session, tokens=tokens, passwords=passwords, data=data)
