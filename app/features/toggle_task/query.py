"""The statements PATCH /api/tasks/{id}/toggle runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import bindparam, not_, update
from sqlmodel import col

from app.shared.for_slices import Principal, Row, Session, TagCondition, Task, TaskWrite, utc_now

# The flip happens in the database, so concurrent toggles serialise on the row and none is lost.
FLIP_COMPLETED = TaskWrite(update(Task).values(completed=not_(col(Task.completed)), updated_at=bindparam("now")))


async def flip_completed(*, session: Session, owner: Principal, task_id: UUID, if_match: TagCondition | None) -> Row:
    return await FLIP_COMPLETED.run(session, owner=owner, task_id=task_id, if_match=if_match, now=utc_now())
