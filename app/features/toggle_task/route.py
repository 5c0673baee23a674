"""PATCH /api/tasks/{id}/toggle: a task's `completed` flipped atomically."""

from starlette.responses import Response

from app.features.toggle_task.handler import handle
from app.shared.for_slices import (
    CurrentUser,
    Idempotent,
    IfMatch,
    Principal,
    Session,
    SessionDep,
    TagCondition,
    TaskPublic,
    TaskRouter,
    task_response,
)

router = TaskRouter(tags=["Tasks"])


@router.patch("/api/tasks/{task_id}/toggle", response_model=TaskPublic)
async def toggle_task(
    task_id: str, owner: CurrentUser, session: SessionDep, if_match: IfMatch, once: Idempotent
) -> Response:
    """Flip `completed` atomically; the response shows the state this flip produced (once per `Idempotency-Key`)."""
    return await once.answer(lambda: _flipped(session, owner, task_id, if_match))


@router.patch("/api/tasks/{task_id}/complete", response_model=TaskPublic)
async def complete_task(
    task_id: str, owner: CurrentUser, session: SessionDep, if_match: IfMatch, once: Idempotent
) -> Response:
    """Alias of `/toggle` that some frontends call: flips `completed` too."""
    return await once.answer(lambda: _flipped(session, owner, task_id, if_match))


async def _flipped(session: Session, owner: Principal, task_id: str, if_match: TagCondition | None) -> Response:
    return task_response(await handle(session=session, owner=owner, raw_task_id=task_id, if_match=if_match))
