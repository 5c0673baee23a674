from fastapi import APIRouter

from app.features.get_task.handler import find_task
from app.shared.dependencies import CurrentUser, SessionDep
from app.shared.schemas import Message, TaskPublic

router = APIRouter(tags=["Tasks: get"])


@router.get("/api/tasks/{task_id}", responses={404: {"model": Message}})
async def get_task(task_id: str, owner: CurrentUser, session: SessionDep) -> TaskPublic:
    """One of the caller's tasks; another user's task is 404, as if it did not exist."""
    return await find_task(session=session, owner=owner, raw_task_id=task_id)
