from uuid import uuid4

from sqlalchemy import bindparam, insert, select

from app.features.create_task.request import TaskCreate
from app.shared.auth.ownership import OWNER_ID, owner_values, sign_in_is_live
from app.shared.auth.principal import Principal
from app.shared.column_types import utc_now
from app.shared.database import Row, Session, Statement
from app.shared.models import Task
from app.shared.tasks import TASK_COLUMNS

_COLUMNS = Task.__table__.columns  # type: ignore[attr-defined]
_NEW_TASK = {
    "id": bindparam("task_id", type_=_COLUMNS["id"].type),
    "user_id": OWNER_ID,
    "title": bindparam("title", type_=_COLUMNS["title"].type),
    "description": bindparam("description", type_=_COLUMNS["description"].type),
    "completed": bindparam("completed", type_=_COLUMNS["completed"].type),
    "created_at": bindparam("now", type_=_COLUMNS["created_at"].type),
    "updated_at": bindparam("now", type_=_COLUMNS["updated_at"].type),
}
# One statement: the row is inserted only while the caller's sign-in is live (else no row comes back).
INSERT_TASK = Statement(
    insert(Task)
    .from_select(
        list(_NEW_TASK), select(*(value.label(name) for name, value in _NEW_TASK.items())).where(sign_in_is_live())
    )
    .returning(*TASK_COLUMNS)
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
