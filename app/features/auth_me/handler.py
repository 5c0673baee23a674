"""The use case behind GET /api/auth/me: the signed-in user, never a password hash."""

from app.features.auth_me.query import select_own_user
from app.shared.for_slices import AuthenticationError, Principal, Row, Session, raise_if_signed_out


async def handle(*, session: Session, owner: Principal) -> Row:
    row = await select_own_user(session=session, owner=owner)
    if row is None:
        await raise_if_signed_out(session, owner)
        raise AuthenticationError("User no longer exists")
    return row
