"""Row ownership and sign-out, decided inside each slice's own SQL statement.

`owned_by` scopes a statement to the caller's rows *and* to a live sign-in, so the common path costs one round
trip and stays correct across any number of workers. Only when a statement finds nothing does
`raise_if_signed_out` spend a second query to tell "signed out" (401) from "not there" (404 or an empty list).
"""

from sqlalchemy import ColumnElement, and_, exists, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.auth.principal import Principal
from app.shared.errors import AuthenticationError
from app.shared.models import SignIn
from app.shared.security_log import security_event


def owned_by(owner: Principal, owner_column: ColumnElement[str] | object) -> ColumnElement[bool]:
    is_owner = owner_column == owner.user_id  # type: ignore[comparison-overlap]
    if owner.sign_in_id is None:
        return is_owner  # type: ignore[return-value]
    return and_(is_owner, sign_in_is_live(owner.sign_in_id))  # type: ignore[arg-type]


def sign_in_is_live(sign_in_id: str) -> ColumnElement[bool]:
    return exists().where(col(SignIn.id) == sign_in_id, col(SignIn.revoked_at).is_(None))


async def raise_if_signed_out(session: AsyncSession, owner: Principal) -> None:
    if owner.sign_in_id is None:
        return
    live = await session.scalar(select(sign_in_is_live(owner.sign_in_id)))
    if not live:
        security_event(
            "revoked_token", "token of a signed-out sign-in", user_id=owner.user_id, sign_in_id=owner.sign_in_id
        )
        raise AuthenticationError("Token has been revoked")
