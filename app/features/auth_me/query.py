from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.auth.ownership import owned_by
from app.shared.auth.principal import Principal
from app.shared.models import User


async def select_own_user(*, session: AsyncSession, owner: Principal) -> User | None:
    return (await session.exec(select(User).where(owned_by(owner, col(User.id))))).one_or_none()
