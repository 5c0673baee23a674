from fastapi import APIRouter

from app.features.auth_me.handler import describe_caller
from app.shared.dependencies import CurrentUser, SessionDep
from app.shared.schemas import Message, UserPublic

router = APIRouter(tags=["Auth"])


@router.get("/api/auth/me", responses={401: {"model": Message}})
async def me(owner: CurrentUser, session: SessionDep) -> UserPublic:
    """The signed-in user; never a password hash."""
    return await describe_caller(session=session, owner=owner)
