"""The statements DELETE /api/tasks/{id} runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col

from app.shared.for_slices import TASK_ID, Principal, Session, Statement, Task, owned_by, owner_values

DELETE_OWNED_TASK = Statement(
    delete(Task).where(col(Task.id) == TASK_ID, owned_by(col(Task.user_id))).returning(col(Task.id))
)


async def delete_owned_task(*, session: Session, owner: Principal, task_id: UUID) -> bool:
    return await session.one(DELETE_OWNED_TASK, task_id=task_id, **owner_values(owner)) is not None
