"""What every task slice shares: the columns a task is read as, id parsing, and the miss path."""

from typing import Any, NoReturn
from uuid import UUID

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlmodel import col

from app.shared.auth.ownership import owned_by, owner_values, raise_if_signed_out
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session, Statement
from app.shared.database.tables import Task
from app.shared.errors import NotFoundError
from app.shared.observability.security_events import security_event

TASK_NOT_FOUND = "Task not found"
_COLUMNS = Task.__table__.columns  # type: ignore[attr-defined]
# In the order a task is shown (TaskPublic's), so a row is the response body as it comes from the database.
# `is_completed` (what many hackathon frontends read) is `completed` read a second time, under its other name:
# every statement that reads a task returns both, so they can never disagree and no route adds it by hand.
TASK_COLUMNS: tuple[ColumnElement[Any], ...] = (
    *(_COLUMNS[name] for name in ("id", "title", "description", "completed")),
    _COLUMNS["completed"].label("is_completed"),
    *(_COLUMNS[name] for name in ("created_at", "updated_at", "user_id")),
)
TASK_ID = bindparam("task_id", type_=_COLUMNS["id"].type)
TASK_OWNER = Statement(select(col(Task.user_id)).where(col(Task.id) == TASK_ID))
# The WHERE of every route on one task: the task the path names, the caller's, while their sign-in is live.
CALLERS_TASK = and_(col(Task.id) == TASK_ID, owned_by(col(Task.user_id)))


def callers_task(owner: Principal, task_id: UUID) -> dict[str, Any]:
    """The values `CALLERS_TASK` binds."""
    return {"task_id": task_id, **owner_values(owner)}


def parse_task_id(raw: str) -> UUID:
    """A malformed id names no task: 404, like any other id that is not there."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFoundError(TASK_NOT_FOUND) from None


async def reject_missing_task(*, session: Session, owner: Principal, task_id: UUID) -> NoReturn:
    """The statement found nothing: revoked sign-in (401), someone else's task (404, logged), or none (404).

    Only this rare path pays the extra queries; the common path stays one statement.
    """
    await raise_if_signed_out(session, owner)
    if await session.scalar(TASK_OWNER, task_id=task_id) is not None:
        security_event("task_probe", "request for another user's task", user_id=owner.user_id, task_id=task_id)
    raise NotFoundError(TASK_NOT_FOUND)


async def found_or_rejected(row: Row | None, *, session: Session, owner: Principal, task_id: UUID) -> Row:
    """The row a one-statement task route got back, or the miss path's 401/404 when it got none."""
    if row is None:
        await reject_missing_task(session=session, owner=owner, task_id=task_id)
    return row
