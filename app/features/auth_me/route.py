from fastapi import APIRouter
from starlette.responses import Response

from app.features.auth_me.handler import describe_caller
from app.shared.dependencies import CurrentUser, SessionDep
from app.shared.responses import json_response
from app.shared.schemas import Message, UserPublic

router = APIRouter(tags=["Auth"])


@router.get("/api/auth/me", response_model=UserPublic, responses={401: {"model": Message}})
async def me(owner: CurrentUser, session: SessionDep) -> Response:
    """The signed-in user; never a password hash."""
    return json_response(await describe_caller(session=session, owner=owner))
