"""What every task slice shares: the columns a task is read as, id parsing, and the miss path."""

from typing import NoReturn, TypeVar
from uuid import UUID

from sqlalchemy import Column, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.auth.ownership import raise_if_signed_out
from app.shared.auth.principal import Principal
from app.shared.errors import NotFoundError
from app.shared.models import Task
from app.shared.security_log import security_event

TASK_NOT_FOUND = "Task not found"
Row = TypeVar("Row")
# Plain columns, not the ORM entity: rows come back without identity-map bookkeeping.
TASK_COLUMNS: tuple[Column[object], ...] = tuple(Task.__table__.columns)  # type: ignore[attr-defined]


def parse_task_id(raw: str) -> UUID:
    """A malformed id names no task: 404, like any other id that is not there."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFoundError(TASK_NOT_FOUND) from None


async def reject_missing_task(*, session: AsyncSession, owner: Principal, task_id: UUID) -> NoReturn:
    """The statement found nothing: revoked sign-in (401), someone else's task (404, logged), or none (404).

    Only this rare path pays the extra queries; the common path stays one statement.
    """
    await raise_if_signed_out(session, owner)
    other_owner = await session.scalar(select(col(Task.user_id)).where(col(Task.id) == task_id))
    if other_owner is not None:
        security_event("task_probe", "request for another user's task", user_id=owner.user_id, task_id=task_id)
    raise NotFoundError(TASK_NOT_FOUND)


async def found_or_rejected(row: Row | None, *, session: AsyncSession, owner: Principal, task_id: UUID) -> Row:
    """The row a one-statement task route got back, or the miss path's 401/404 when it got none."""
    if row is None:
        await reject_missing_task(session=session, owner=owner, task_id=task_id)
    return row
