"""GET /api/tasks/{id}: one of the caller's tasks."""

from starlette.responses import Response

from app.features.get_task.handler import handle
from app.shared.for_slices import CurrentUser, IfNoneMatch, SessionDep, TaskPublic, TaskRouter, task_response

router = TaskRouter(tags=["Tasks"])


@router.get("/api/tasks/{task_id}", response_model=TaskPublic)
async def get_task(task_id: str, owner: CurrentUser, session: SessionDep, if_none_match: IfNoneMatch) -> Response:
    """One of the caller's tasks; another user's task is 404, as if it did not exist. 304 while unchanged."""
    task = await handle(session=session, owner=owner, raw_task_id=task_id)
    return task_response(task, if_none_match=if_none_match)
