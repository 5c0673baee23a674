"""POST /api/tasks: a task created for the caller."""

from fastapi import status
from starlette.responses import Response

from app.features.create_task.handler import handle
from app.features.create_task.request import TaskCreate
from app.shared.for_slices import CurrentUser, Idempotent, SessionDep, TaskPublic, TaskRouter, task_response

router = TaskRouter(tags=["Tasks"])


@router.post("/api/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
async def create_task(data: TaskCreate, owner: CurrentUser, session: SessionDep, once: Idempotent) -> Response:
    """Create a task owned by the caller; `Location` names the new task; a retried `Idempotency-Key` makes none."""

    async def created() -> Response:
        task = await handle(session=session, owner=owner, data=data)
        location = {"Location": f"/api/tasks/{task['id']}"}
        return task_response(task, status_code=status.HTTP_201_CREATED, headers=location)

    return await once.answer(created)
