from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, asc, desc, false, func, select, true
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.features.list_tasks.request import TaskListQuery
from app.shared.auth.ownership import owned_by
from app.shared.auth.principal import Principal
from app.shared.models import Task
from app.shared.tasks import TASK_COLUMNS

# Each key is served by an index on (user_id, key), so a user's list costs the same among a million rows.
SORT_KEYS = {"created": col(Task.created_at), "updated": col(Task.updated_at), "title": func.lower(col(Task.title))}
STATUS_FILTERS = {"pending": col(Task.completed) == false(), "completed": col(Task.completed) == true()}


async def select_tasks(
    *, session: AsyncSession, owner: Principal, query: TaskListQuery
) -> Sequence[Row[tuple[object, ...]]]:
    # SQLModel's `exec` has no typed overload for a SELECT of a star list of columns.
    result = await session.exec(list_statement(owner=owner, query=query))  # type: ignore[call-overload]
    return result.all()  # type: ignore[no-any-return]


def list_statement(*, owner: Principal, query: TaskListQuery) -> Select[*tuple[Any, ...]]:
    direction = asc if query.direction == "asc" else desc
    statement = select(*TASK_COLUMNS).where(owned_by(owner, col(Task.user_id)))
    if query.status in STATUS_FILTERS:
        statement = statement.where(STATUS_FILTERS[query.status])
    # The id breaks ties, so pages never overlap or skip a task.
    statement = statement.order_by(direction(SORT_KEYS[query.sort]), direction(col(Task.id)))
    return statement.limit(query.limit).offset(query.offset or None)
