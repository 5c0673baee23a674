"""The statements POST /api/tasks runs, declared once, each scoped to its caller."""

from uuid import uuid4

from sqlalchemy import bindparam, insert, select

from app.features.create_task.request import TaskCreate
from app.shared.for_slices import (
    FIRST_VERSION,
    OWNER_ID,
    VERSIONED_TASK_COLUMNS,
    Principal,
    Row,
    Session,
    Statement,
    Task,
    owner_values,
    sign_in_is_live,
    utc_now,
)

_COLUMNS = Task.__table__.columns  # type: ignore[attr-defined]
_NEW_TASK = {
    "id": bindparam("task_id", type_=_COLUMNS["id"].type),
    "user_id": OWNER_ID,
    "title": bindparam("title", type_=_COLUMNS["title"].type),
    "description": bindparam("description", type_=_COLUMNS["description"].type),
    "completed": bindparam("completed", type_=_COLUMNS["completed"].type),
    "created_at": bindparam("now", type_=_COLUMNS["created_at"].type),
    "updated_at": bindparam("now", type_=_COLUMNS["updated_at"].type),
    "version": FIRST_VERSION,
}
# One statement: the row is inserted only while the caller's sign-in is live (else no row comes back).
INSERT_TASK = Statement(
    insert(Task)
    .from_select(
        list(_NEW_TASK), select(*(value.label(name) for name, value in _NEW_TASK.items())).where(sign_in_is_live())
    )
    .returning(*VERSIONED_TASK_COLUMNS)
)


async def insert_task(*, session: Session, owner: Principal, data: TaskCreate) -> Row | None:
    return await session.one(
        INSERT_TASK,
        task_id=uuid4(),
        title=data.title,
        description=data.description,
        completed=data.completed,
        now=utc_now(),
        **owner_values(owner),
    )
