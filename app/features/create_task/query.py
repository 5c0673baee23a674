from uuid import uuid4

from sqlalchemy import Row, insert, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.features.create_task.request import TaskCreate
from app.shared.auth.ownership import sign_in_is_live
from app.shared.auth.principal import Principal
from app.shared.column_types import utc_now
from app.shared.models import Task
from app.shared.tasks import TASK_COLUMNS


async def insert_task(*, session: AsyncSession, owner: Principal, data: TaskCreate) -> Row[tuple[object, ...]] | None:
    """One statement. For our own tokens the row is inserted only while the sign-in is live (else no row)."""
    now = utc_now()
    values = {
        "id": uuid4(),
        "user_id": owner.user_id,
        "title": data.title,
        "description": data.description,
        "completed": data.completed,
        "created_at": now,
        "updated_at": now,
    }
    if owner.sign_in_id is None:
        statement = insert(Task).values(values)
    else:
        columns = Task.__table__.c  # type: ignore[attr-defined]
        source = select(*(literal(value, columns[name].type).label(name) for name, value in values.items()))
        statement = insert(Task).from_select(list(values), source.where(sign_in_is_live(owner.sign_in_id)))
    result = await session.exec(statement.returning(*TASK_COLUMNS))
    return result.one_or_none()
