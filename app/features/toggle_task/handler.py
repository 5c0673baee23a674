"""The use case behind PATCH /api/tasks/{id}/toggle: a task's `completed` flipped atomically."""

from app.features.toggle_task.query import flip_completed
from app.shared.for_slices import Principal, Row, Session, found_or_rejected, parse_task_id


async def handle(*, session: Session, owner: Principal, raw_task_id: str) -> Row:
    task_id = parse_task_id(raw_task_id)
    row = await flip_completed(session=session, owner=owner, task_id=task_id)
    return await found_or_rejected(row, session=session, owner=owner, task_id=task_id)
