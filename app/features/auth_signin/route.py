from fastapi import APIRouter

from app.features.auth_signin.handler import authenticate
from app.features.auth_signin.request import SignInRequest
from app.shared.dependencies import AuthRateLimit, PasswordsDep, SessionDep, SignInEmailLimit, TokensDep
from app.shared.schemas import AuthSession, Message

router = APIRouter(tags=["Auth"], dependencies=[AuthRateLimit])


@router.post("/api/auth/signin", responses={401: {"model": Message}})
async def sign_in(
    data: SignInRequest, session: SessionDep, tokens: TokensDep, passwords: PasswordsDep, limit: SignInEmailLimit
) -> AuthSession:
    """Sign in with email and password; every sign-in is a device that can sign out on its own."""
    await limit(data.email)
    return await authenticate(session=session, tokens=tokens, passwords=passwords, data=data)
