from sqlmodel.ext.asyncio.session import AsyncSession

from app.features.toggle_task.query import flip_completed
from app.shared.auth.principal import Principal
from app.shared.schemas import TaskPublic
from app.shared.tasks import found_or_rejected, parse_task_id


async def toggle(*, session: AsyncSession, owner: Principal, raw_task_id: str) -> TaskPublic:
    task_id = parse_task_id(raw_task_id)
    row = await flip_completed(session=session, owner=owner, task_id=task_id)
    return TaskPublic.model_validate(await found_or_rejected(row, session=session, owner=owner, task_id=task_id))
