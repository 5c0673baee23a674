"""Row ownership and sign-out, decided inside each slice's own SQL statement.

`owned_by` scopes a statement to the caller's rows *and* to a live sign-in, so the common path costs one round
trip and stays correct across any number of workers. Its bind parameters come from `owner_values(principal)`.
Only when a statement finds nothing does `raise_if_signed_out` spend a second query to tell "signed out" (401)
from "not there" (404 or an empty list).
"""

from typing import Any

from sqlalchemy import ColumnElement, String, and_, bindparam, exists, or_, select
from sqlmodel import col

from app.shared.auth.principal import Principal
from app.shared.database import Session, Statement
from app.shared.database.tables import SignIn
from app.shared.errors import AuthenticationError
from app.shared.observability.security_events import security_event

OWNER_ID = bindparam("owner_id", type_=String)
# None for a token minted by Better Auth: its sessions are Better Auth's to end, so there is nothing to check.
SIGN_IN_ID = bindparam("sign_in_id", type_=String)


def owner_values(owner: Principal) -> dict[str, Any]:
    """The values `owned_by` and `sign_in_is_live` bind."""
    return {"owner_id": owner.user_id, "sign_in_id": owner.sign_in_id}


def sign_in_is_live() -> ColumnElement[bool]:
    live = exists().where(col(SignIn.id) == SIGN_IN_ID, col(SignIn.revoked_at).is_(None))
    return or_(SIGN_IN_ID.is_(None), live)


def owned_by(owner_column: ColumnElement[str] | object) -> ColumnElement[bool]:
    return and_(owner_column == OWNER_ID, sign_in_is_live())  # type: ignore[arg-type]


SIGN_IN_LIVE = Statement(select(sign_in_is_live().label("live")))


async def raise_if_signed_out(session: Session, owner: Principal) -> None:
    if owner.sign_in_id is None:
        return
    if not await session.scalar(SIGN_IN_LIVE, sign_in_id=owner.sign_in_id):
        security_event(
            "revoked_token", "token of a signed-out sign-in", user_id=owner.user_id, sign_in_id=owner.sign_in_id
        )
        raise AuthenticationError("Token has been revoked")
