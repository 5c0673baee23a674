from sqlalchemy import select
from sqlmodel import col

from app.shared.auth.ownership import owned_by, owner_values
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session, Statement
from app.shared.models import USER_PUBLIC_COLUMNS, User

SELECT_OWN_USER = Statement(select(*USER_PUBLIC_COLUMNS).where(owned_by(col(User.id))))


async def select_own_user(*, session: Session, owner: Principal) -> Row | None:
    return await session.one(SELECT_OWN_USER, **owner_values(owner))
