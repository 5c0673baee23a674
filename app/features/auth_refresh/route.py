from fastapi import APIRouter

from app.features.auth_refresh.handler import rotate
from app.features.auth_refresh.request import RefreshRequest
from app.shared.dependencies import AuthRateLimit, SessionDep, TokensDep
from app.shared.schemas import Message, TokenPair

router = APIRouter(tags=["Auth"], dependencies=[AuthRateLimit])


@router.post("/api/auth/refresh", responses={401: {"model": Message}})
async def refresh(data: RefreshRequest, session: SessionDep, tokens: TokensDep) -> TokenPair:
    """Trade a refresh token for a new pair; the old refresh token is retired, and replaying it revokes all."""
    return await rotate(session=session, tokens=tokens, refresh_token=data.refresh_token)
