from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col

from app.shared.auth.ownership import owned_by, owner_values
from app.shared.auth.principal import Principal
from app.shared.database import Session, Statement
from app.shared.models import Task
from app.shared.tasks import TASK_ID

DELETE_OWNED_TASK = Statement(
    delete(Task).where(col(Task.id) == TASK_ID, owned_by(col(Task.user_id))).returning(col(Task.id))
)


async def delete_owned_task(*, session: Session, owner: Principal, task_id: UUID) -> bool:
    return await session.one(DELETE_OWNED_TASK, task_id=task_id, **owner_values(owner)) is not None
