from app.features.toggle_task.query import flip_completed
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session
from app.shared.tasks import found_or_rejected, parse_task_id


async def toggle(*, session: Session, owner: Principal, raw_task_id: str) -> Row:
    task_id = parse_task_id(raw_task_id)
    row = await flip_completed(session=session, owner=owner, task_id=task_id)
    return await found_or_rejected(row, session=session, owner=owner, task_id=task_id)
