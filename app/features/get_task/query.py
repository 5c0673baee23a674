from uuid import UUID

from sqlalchemy import Row, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.auth.ownership import owned_by
from app.shared.auth.principal import Principal
from app.shared.models import Task
from app.shared.tasks import TASK_COLUMNS


async def select_task(*, session: AsyncSession, owner: Principal, task_id: UUID) -> Row[tuple[object, ...]] | None:
    statement = select(*TASK_COLUMNS).where(col(Task.id) == task_id, owned_by(owner, col(Task.user_id)))
    # SQLModel's `exec` has no typed overload for a SELECT of a star list of columns.
    result = await session.exec(statement)  # type: ignore[call-overload]
    return result.one_or_none()  # type: ignore[no-any-return]
