"""POST /api/auth/signin (alias /api/auth/login, which also takes an OAuth2 password form): a new sign-in."""

from typing import Any

from fastapi import APIRouter

from app.features.auth_signin.handler import handle
from app.features.auth_signin.request import PASSWORD_FORM_SCHEMA, AccountLogin, AccountSignIn
from app.shared.for_slices import (
    AuthRateLimit,
    AuthSession,
    PasswordsDep,
    SessionDep,
    SignInEmailLimit,
    TokensDep,
)

router = APIRouter(tags=["Auth"], dependencies=[AuthRateLimit])
# Its own error only, described by the detail it answers with: the kernel documents every other status.
WRONG_PASSWORD: dict[int | str, dict[str, Any]] = {401: {"description": "Invalid email or password"}}
# Added beside the JSON body FastAPI documents, so /docs shows both ways to send credentials to /login.
LOGIN_FORM_BODY = {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": PASSWORD_FORM_SCHEMA}}}}


@router.post("/api/auth/signin", responses=WRONG_PASSWORD)
async def sign_in(
    data: AccountSignIn, session: SessionDep, tokens: TokensDep, passwords: PasswordsDep, limit: SignInEmailLimit
) -> AuthSession:
    """Sign in with email and password; every sign-in is a device that can sign out on its own."""
    await limit(data.email)
    return await handle(session=session, tokens=tokens, passwords=passwords, data=data)


# Same router, so the same per-IP bucket; `limit` counts the same per-email bucket as /signin.
@router.post("/api/auth/login", responses=WRONG_PASSWORD, openapi_extra=LOGIN_FORM_BODY)
async def log_in(
    data: AccountLogin, session: SessionDep, tokens: TokensDep, passwords: PasswordsDep, limit: SignInEmailLimit
) -> AuthSession:
    """Alias of /signin; also takes an OAuth2 password form (`username` = email), as OAuth2 clients send it."""
    await limit(data.email)
    return await handle(session=session, tokens=tokens, passwords=passwords, data=data)
