"""The use case behind DELETE /api/tasks/{id}: one of the caller's tasks deleted."""

from app.features.delete_task.query import delete_owned_task
from app.shared.for_slices import Principal, Session, TagCondition, parse_task_id


async def handle(*, session: Session, owner: Principal, raw_task_id: str, if_match: TagCondition | None) -> None:
    await delete_owned_task(session=session, owner=owner, task_id=parse_task_id(raw_task_id), if_match=if_match)
