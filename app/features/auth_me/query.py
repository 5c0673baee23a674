"""The statements GET /api/auth/me runs, declared once, each scoped to its caller."""

from sqlalchemy import select
from sqlmodel import col

from app.shared.for_slices import USER_PUBLIC_COLUMNS, Principal, Row, Session, Statement, User, owned_by, owner_values

SELECT_OWN_USER = Statement(select(*USER_PUBLIC_COLUMNS).where(owned_by(col(User.id))))


async def select_own_user(*, session: Session, owner: Principal) -> Row | None:
    return await session.one(SELECT_OWN_USER, **owner_values(owner))
