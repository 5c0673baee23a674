"""The statements GET /api/tasks/{id} runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import select
from sqlmodel import col

from app.shared.for_slices import (
    TASK_COLUMNS,
    TASK_ID,
    Principal,
    Row,
    Session,
    Statement,
    Task,
    owned_by,
    owner_values,
)

SELECT_OWNED_TASK = Statement(select(*TASK_COLUMNS).where(col(Task.id) == TASK_ID, owned_by(col(Task.user_id))))


async def select_task(*, session: Session, owner: Principal, task_id: UUID) -> Row | None:
    return await session.one(SELECT_OWNED_TASK, task_id=task_id, **owner_values(owner))
