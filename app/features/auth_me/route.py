"""GET /api/auth/me: the signed-in user, never a password hash."""

from fastapi import APIRouter
from starlette.responses import Response

from app.features.auth_me.handler import handle
from app.shared.for_slices import CurrentUser, SessionDep, UserPublic, json_response

router = APIRouter(tags=["Auth"])


@router.get("/api/auth/me", response_model=UserPublic)
async def me(owner: CurrentUser, session: SessionDep) -> Response:
    """The signed-in user; never a password hash."""
    return json_response(await handle(session=session, owner=owner))
