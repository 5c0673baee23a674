"""DELETE /api/tasks/{id}: one of the caller's tasks deleted."""

from fastapi import APIRouter, status

from app.features.delete_task.handler import handle
from app.shared.for_slices import CurrentUser, Message, SessionDep

router = APIRouter(tags=["Tasks: delete"])


@router.delete("/api/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses={404: {"model": Message}})
async def delete_task(task_id: str, owner: CurrentUser, session: SessionDep) -> None:
    """Delete one of the caller's tasks; answers 204 with an empty body."""
    await handle(session=session, owner=owner, raw_task_id=task_id)
