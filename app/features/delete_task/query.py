"""The statements DELETE /api/tasks/{id} runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col

from app.shared.for_slices import (
    CALLERS_TASK,
    Principal,
    Session,
    Statement,
    Task,
    callers_task,
)

DELETE_OWNED_TASK = Statement(delete(Task).where(CALLERS_TASK).returning(col(Task.id)))


async def delete_owned_task(*, session: Session, owner: Principal, task_id: UUID) -> bool:
    return await session.one(DELETE_OWNED_TASK, **callers_task(owner, task_id)) is not None
