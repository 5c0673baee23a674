"""DELETE /api/tasks/{id}: one of the caller's tasks deleted."""

from fastapi import status
from starlette.responses import Response

from app.features.delete_task.handler import handle
from app.shared.for_slices import CurrentUser, IfMatch, SessionDep, TaskRouter

router = TaskRouter(tags=["Tasks"])


@router.delete("/api/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task_id: str, owner: CurrentUser, session: SessionDep, if_match: IfMatch) -> Response:
    """Delete one of the caller's tasks; answers 204 with an empty body. With `If-Match`, only that version."""
    await handle(session=session, owner=owner, raw_task_id=task_id, if_match=if_match)
    # A bare Response: FastAPI's default would send `Content-Type: application/json` with the empty body.
    return Response(status_code=status.HTTP_204_NO_CONTENT)
