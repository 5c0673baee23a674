"""PUT|PATCH /api/tasks/{id}: the fields given changed, the others kept."""

from starlette.responses import Response

from app.features.update_task.handler import handle
from app.features.update_task.request import TaskUpdate
from app.shared.for_slices import CurrentUser, SessionDep, TaskPublic, TaskRouter, json_response

router = TaskRouter(tags=["Tasks"])


@router.put("/api/tasks/{task_id}", response_model=TaskPublic)
async def replace_task(task_id: str, data: TaskUpdate, owner: CurrentUser, session: SessionDep) -> Response:
    """Change the fields given (at least one); the others stay as they are."""
    return json_response(await handle(session=session, owner=owner, raw_task_id=task_id, data=data))


@router.patch("/api/tasks/{task_id}", response_model=TaskPublic)
async def update_task(task_id: str, data: TaskUpdate, owner: CurrentUser, session: SessionDep) -> Response:
    """Same as PUT: change the fields given (at least one)."""
    return json_response(await handle(session=session, owner=owner, raw_task_id=task_id, data=data))
