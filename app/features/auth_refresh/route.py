"""POST /api/auth/refresh: a refresh token traded for a new pair."""

from fastapi import APIRouter

from app.features.auth_refresh.handler import handle
from app.features.auth_refresh.request import TokenRefresh
from app.shared.for_slices import AuthRateLimit, SessionDep, SettingsDep, TokenPair, TokensDep

router = APIRouter(tags=["Auth"], dependencies=[AuthRateLimit])
REFUSED = "Refresh token has been revoked"


@router.post(
    "/api/auth/refresh",
    responses={
        401: {
            "description": "The refresh token is invalid, expired, already used, or its sign-in was revoked.",
            "content": {"application/json": {"example": {"detail": REFUSED, "message": REFUSED}}},
        }
    },
)
async def refresh(data: TokenRefresh, session: SessionDep, tokens: TokensDep, settings: SettingsDep) -> TokenPair:
    """Trade a refresh token for a new pair; the old one is retired, and replaying it later revokes all."""
    return await handle(
        session=session,
        tokens=tokens,
        refresh_token=data.refresh_token,
        grace_seconds=settings.refresh_reuse_grace_seconds,
    )
