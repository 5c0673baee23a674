from uuid import UUID

from sqlalchemy import select
from sqlmodel import col

from app.shared.auth.ownership import owned_by, owner_values
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session, Statement
from app.shared.models import Task
from app.shared.tasks import TASK_COLUMNS, TASK_ID

SELECT_OWNED_TASK = Statement(select(*TASK_COLUMNS).where(col(Task.id) == TASK_ID, owned_by(col(Task.user_id))))


async def select_task(*, session: Session, owner: Principal, task_id: UUID) -> Row | None:
    return await session.one(SELECT_OWNED_TASK, task_id=task_id, **owner_values(owner))
