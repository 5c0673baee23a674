from typing import Any
from uuid import UUID

from sqlalchemy import Row, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.auth.ownership import owned_by
from app.shared.auth.principal import Principal
from app.shared.column_types import utc_now
from app.shared.models import Task
from app.shared.tasks import TASK_COLUMNS


async def update_owned_task(
    *, session: AsyncSession, owner: Principal, task_id: UUID, changes: dict[str, Any]
) -> Row[tuple[object, ...]] | None:
    statement = (
        update(Task)
        .where(col(Task.id) == task_id, owned_by(owner, col(Task.user_id)))
        .values(**changes, updated_at=utc_now())
        .returning(*TASK_COLUMNS)
    )
    return (await session.exec(statement)).one_or_none()
