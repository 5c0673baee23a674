"""The use case behind DELETE /api/tasks/{id}: one of the caller's tasks deleted."""

from app.features.delete_task.query import delete_owned_task
from app.shared.for_slices import Principal, Session, parse_task_id, reject_missing_task


async def handle(*, session: Session, owner: Principal, raw_task_id: str) -> None:
    task_id = parse_task_id(raw_task_id)
    if not await delete_owned_task(session=session, owner=owner, task_id=task_id):
        await reject_missing_task(session=session, owner=owner, task_id=task_id)
