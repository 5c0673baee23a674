from fastapi import APIRouter, status
from starlette.responses import Response

from app.features.create_task.handler import add_task
from app.features.create_task.request import TaskCreate
from app.shared.dependencies import CurrentUser, SessionDep
from app.shared.responses import json_response
from app.shared.schemas import TaskPublic

router = APIRouter(tags=["Tasks: create"])


@router.post("/api/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
async def create_task(data: TaskCreate, owner: CurrentUser, session: SessionDep) -> Response:
    """Create a task owned by the caller; `Location` names the new task."""
    task = await add_task(session=session, owner=owner, data=data)
    return json_response(task, status_code=status.HTTP_201_CREATED, headers={"Location": f"/api/tasks/{task['id']}"})
