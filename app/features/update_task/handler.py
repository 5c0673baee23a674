"""The use case behind PUT|PATCH /api/tasks/{id}: the fields given changed, the others kept."""

from app.features.update_task.query import update_owned_task
from app.features.update_task.request import TaskUpdate
from app.shared.for_slices import Principal, Row, Session, found_or_rejected, parse_task_id


async def handle(*, session: Session, owner: Principal, raw_task_id: str, data: TaskUpdate) -> Row:
    task_id = parse_task_id(raw_task_id)
    row = await update_owned_task(session=session, owner=owner, task_id=task_id, changes=data.changes())
    return await found_or_rejected(row, session=session, owner=owner, task_id=task_id)
