"""POST /api/auth/signout: the caller's sign-in ended, its tokens refused from then on."""

from typing import Annotated

from fastapi import APIRouter, Body

from app.features.auth_signout.handler import handle
from app.features.auth_signout.request import TokenRevoke
from app.shared.for_slices import CurrentUser, Message, SessionDep, TokensDep

router = APIRouter(tags=["Auth"])


@router.post("/api/auth/signout")
async def signout(
    owner: CurrentUser, session: SessionDep, tokens: TokensDep, data: Annotated[TokenRevoke | None, Body()] = None
) -> Message:
    """End this sign-in: its access and refresh tokens stop working; other devices stay signed in."""
    refresh_token = data.refresh_token if data else None
    return await handle(session=session, tokens=tokens, owner=owner, refresh_token=refresh_token)
