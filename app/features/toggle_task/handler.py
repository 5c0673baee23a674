"""The use case behind PATCH /api/tasks/{id}/toggle: a task's `completed` flipped atomically."""

from app.features.toggle_task.query import flip_completed
from app.shared.for_slices import Principal, Row, Session, TagCondition, parse_task_id


async def handle(*, session: Session, owner: Principal, raw_task_id: str, if_match: TagCondition | None) -> Row:
    return await flip_completed(session=session, owner=owner, task_id=parse_task_id(raw_task_id), if_match=if_match)
