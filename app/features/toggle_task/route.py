from fastapi import APIRouter

from app.features.toggle_task.handler import toggle
from app.shared.dependencies import CurrentUser, SessionDep
from app.shared.schemas import Message, TaskPublic

router = APIRouter(tags=["Tasks: toggle"])


@router.patch("/api/tasks/{task_id}/toggle", responses={404: {"model": Message}})
async def toggle_task(task_id: str, owner: CurrentUser, session: SessionDep) -> TaskPublic:
    """Flip `completed` atomically; the response shows the state this flip produced."""
    return await toggle(session=session, owner=owner, raw_task_id=task_id)


@router.patch("/api/tasks/{task_id}/complete", responses={404: {"model": Message}})
async def complete_task(task_id: str, owner: CurrentUser, session: SessionDep) -> TaskPublic:
    """Alias of `/toggle` that some frontends call: flips `completed` too."""
    return await toggle(session=session, owner=owner, raw_task_id=task_id)
