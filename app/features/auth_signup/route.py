from fastapi import APIRouter, status

from app.features.auth_signup.handler import register
from app.features.auth_signup.request import SignUpRequest
from app.shared.dependencies import AuthRateLimit, PasswordsDep, SessionDep, TokensDep
from app.shared.schemas import AuthSession, Message

router = APIRouter(tags=["Auth"], dependencies=[AuthRateLimit])


@router.post("/api/auth/signup", status_code=status.HTTP_201_CREATED, responses={409: {"model": Message}})
async def sign_up(data: SignUpRequest, session: SessionDep, tokens: TokensDep, passwords: PasswordsDep) -> AuthSession:
    """Create an account and sign it in; 409 when the email is already registered."""
    return await register(session=session, tokens=tokens, passwords=passwords, data=data)
