"""PUT|PATCH /api/tasks/{id}: the fields given changed, the others kept."""

from starlette.responses import Response

from app.features.update_task.handler import handle
from app.features.update_task.request import TaskUpdate
from app.shared.for_slices import CurrentUser, IfMatch, SessionDep, TaskPublic, TaskRouter, task_response

router = TaskRouter(tags=["Tasks"])


@router.put("/api/tasks/{task_id}", response_model=TaskPublic)
async def replace_task(
    task_id: str, data: TaskUpdate, owner: CurrentUser, session: SessionDep, if_match: IfMatch
) -> Response:
    """Change the fields given (at least one); the others stay as they are. With `If-Match`, only that version."""
    return task_response(await handle(session=session, owner=owner, raw_task_id=task_id, data=data, if_match=if_match))


@router.patch("/api/tasks/{task_id}", response_model=TaskPublic)
async def update_task(
    task_id: str, data: TaskUpdate, owner: CurrentUser, session: SessionDep, if_match: IfMatch
) -> Response:
    """Same as PUT: change the fields given (at least one). With `If-Match`, only that version."""
    return task_response(await handle(session=session, owner=owner, raw_task_id=task_id, data=data, if_match=if_match))
