"""The statements GET /api/tasks/{id} runs, declared once, each scoped to its caller."""

from uuid import UUID

from sqlalchemy import select

from app.shared.for_slices import (
    CALLERS_TASK,
    VERSIONED_TASK_COLUMNS,
    Principal,
    Row,
    Session,
    Statement,
    callers_task,
)

SELECT_OWNED_TASK = Statement(select(*VERSIONED_TASK_COLUMNS).where(CALLERS_TASK))


async def select_task(*, session: Session, owner: Principal, task_id: UUID) -> Row | None:
    return await session.one(SELECT_OWNED_TASK, **callers_task(owner, task_id))
