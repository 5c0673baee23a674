"""The statements DELETE /api/tasks/{id} runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import delete

from app.shared.for_slices import Principal, Session, TagCondition, Task, TaskWrite

DELETE_OWNED_TASK = TaskWrite(delete(Task))


async def delete_owned_task(
    *, session: Session, owner: Principal, task_id: UUID, if_match: TagCondition | None
) -> None:
    await DELETE_OWNED_TASK.run(session, owner=owner, task_id=task_id, if_match=if_match)
