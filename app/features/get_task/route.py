"""GET /api/tasks/{id}: one of the caller's tasks."""

from starlette.responses import Response

from app.features.get_task.handler import handle
from app.shared.for_slices import CurrentUser, SessionDep, TaskPublic, TaskRouter, json_response

router = TaskRouter(tags=["Tasks"])


@router.get("/api/tasks/{task_id}", response_model=TaskPublic)
async def get_task(task_id: str, owner: CurrentUser, session: SessionDep) -> Response:
    """One of the caller's tasks; another user's task is 404, as if it did not exist."""
    return json_response(await handle(session=session, owner=owner, raw_task_id=task_id))
