from sqlmodel.ext.asyncio.session import AsyncSession

from app.features.get_task.query import select_task
from app.shared.auth.principal import Principal
from app.shared.schemas import TaskPublic
from app.shared.tasks import found_or_rejected, parse_task_id


async def find_task(*, session: AsyncSession, owner: Principal, raw_task_id: str) -> TaskPublic:
    task_id = parse_task_id(raw_task_id)
    row = await select_task(session=session, owner=owner, task_id=task_id)
    return TaskPublic.model_validate(await found_or_rejected(row, session=session, owner=owner, task_id=task_id))
