from typing import Annotated

from fastapi import APIRouter, Body

from app.features.auth_signout.handler import sign_out
from app.features.auth_signout.request import SignOutRequest
from app.shared.dependencies import CurrentUser, SessionDep, TokensDep
from app.shared.schemas import Message

router = APIRouter(tags=["Auth"])


@router.post("/api/auth/signout", responses={401: {"model": Message}})
async def signout(
    owner: CurrentUser, session: SessionDep, tokens: TokensDep, data: Annotated[SignOutRequest | None, Body()] = None
) -> Message:
    """End this sign-in: its access and refresh tokens stop working; other devices stay signed in."""
    refresh_token = data.refresh_token if data else None
    return await sign_out(session=session, tokens=tokens, owner=owner, refresh_token=refresh_token)
