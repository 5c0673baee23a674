from app.features.delete_task.query import delete_owned_task
from app.shared.auth.principal import Principal
from app.shared.database import Session
from app.shared.tasks import parse_task_id, reject_missing_task


async def remove_task(*, session: Session, owner: Principal, raw_task_id: str) -> None:
    task_id = parse_task_id(raw_task_id)
    if not await delete_owned_task(session=session, owner=owner, task_id=task_id):
        await reject_missing_task(session=session, owner=owner, task_id=task_id)
