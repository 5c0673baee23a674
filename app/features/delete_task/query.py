from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.auth.ownership import owned_by
from app.shared.auth.principal import Principal
from app.shared.models import Task


async def delete_owned_task(*, session: AsyncSession, owner: Principal, task_id: UUID) -> bool:
    statement = delete(Task).where(col(Task.id) == task_id, owned_by(owner, col(Task.user_id))).returning(col(Task.id))
    return (await session.exec(statement)).one_or_none() is not None
