from fastapi import APIRouter, Response, status

from app.features.create_task.handler import add_task
from app.features.create_task.request import TaskCreate
from app.shared.dependencies import CurrentUser, SessionDep
from app.shared.schemas import TaskPublic

router = APIRouter(tags=["Tasks: create"])


@router.post("/api/tasks", status_code=status.HTTP_201_CREATED)
async def create_task(data: TaskCreate, owner: CurrentUser, session: SessionDep, response: Response) -> TaskPublic:
    """Create a task owned by the caller; `Location` names the new task."""
    task = await add_task(session=session, owner=owner, data=data)
    response.headers["Location"] = f"/api/tasks/{task.id}"
    return task
