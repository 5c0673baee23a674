"""The use case behind GET /api/tasks/{id}: one of the caller's tasks."""

from app.features.get_task.query import select_task
from app.shared.for_slices import Principal, Row, Session, found_or_rejected, parse_task_id


async def handle(*, session: Session, owner: Principal, raw_task_id: str) -> Row:
    task_id = parse_task_id(raw_task_id)
    row = await select_task(session=session, owner=owner, task_id=task_id)
    return await found_or_rejected(row, session=session, owner=owner, task_id=task_id)
