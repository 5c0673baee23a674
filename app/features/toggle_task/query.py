"""The statements PATCH /api/tasks/{id}/toggle runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import bindparam, not_, update
from sqlmodel import col

from app.shared.for_slices import (
    CALLERS_TASK,
    TASK_COLUMNS,
    Principal,
    Row,
    Session,
    Statement,
    Task,
    callers_task,
    utc_now,
)

# The flip happens in the database, so concurrent toggles serialise on the row and none is lost.
FLIP_COMPLETED = Statement(
    update(Task)
    .where(CALLERS_TASK)
    .values(completed=not_(col(Task.completed)), updated_at=bindparam("now"))
    .returning(*TASK_COLUMNS)
)


async def flip_completed(*, session: Session, owner: Principal, task_id: UUID) -> Row | None:
    return await session.one(FLIP_COMPLETED, now=utc_now(), **callers_task(owner, task_id))
