from app.features.get_task.query import select_task
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session
from app.shared.tasks import found_or_rejected, parse_task_id


async def find_task(*, session: Session, owner: Principal, raw_task_id: str) -> Row:
    task_id = parse_task_id(raw_task_id)
    row = await select_task(session=session, owner=owner, task_id=task_id)
    return await found_or_rejected(row, session=session, owner=owner, task_id=task_id)
