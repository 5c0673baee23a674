"""The statements PATCH /api/tasks/{id}/toggle runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import bindparam, not_, update
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
    utc_now,
)

# The flip happens in the database, so concurrent toggles serialise on the row and none is lost.
FLIP_COMPLETED = Statement(
    update(Task)
    .where(col(Task.id) == TASK_ID, owned_by(col(Task.user_id)))
    .values(completed=not_(col(Task.completed)), updated_at=bindparam("now"))
    .returning(*TASK_COLUMNS)
)


async def flip_completed(*, session: Session, owner: Principal, task_id: UUID) -> Row | None:
    return await session.one(FLIP_COMPLETED, task_id=task_id, now=utc_now(), **owner_values(owner))
