"""POST /api/tasks: a task created for the caller."""

from fastapi import status
from starlette.responses import Response

from app.features.create_task.handler import handle
from app.features.create_task.request import TaskCreate
from app.shared.for_slices import CurrentUser, SessionDep, TaskPublic, TaskRouter, task_response

router = TaskRouter(tags=["Tasks"])


@router.post("/api/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
async def create_task(data: TaskCreate, owner: CurrentUser, session: SessionDep) -> Response:
    """Create a task owned by the caller; `Location` names the new task."""
    task = await handle(session=session, owner=owner, data=data)
    return task_response(task, status_code=status.HTTP_201_CREATED, headers={"Location": f"/api/tasks/{task['id']}"})
