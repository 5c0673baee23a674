"""The use case behind PUT|PATCH /api/tasks/{id}: the fields given changed, the others kept."""

from app.features.update_task.query import update_owned_task
from app.features.update_task.request import TaskUpdate
from app.shared.for_slices import Principal, Row, Session, TagCondition, parse_task_id


async def handle(
    *, session: Session, owner: Principal, raw_task_id: str, data: TaskUpdate, if_match: TagCondition | None
) -> Row:
    task_id = parse_task_id(raw_task_id)
    return await update_owned_task(
        session=session, owner=owner, task_id=task_id, changes=data.changes(), if_match=if_match
    )
