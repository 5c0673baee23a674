"""The statements GET /api/tasks runs, declared once, each scoped to its caller."""

from itertools import product
from typing import Any, Literal

from sqlalchemy import Integer, Select, asc, bindparam, desc, false, func, select, true
from sqlmodel import col

from app.features.list_tasks.request import SORT_KEYS, STATUSES, TaskListQuery
from app.shared.for_slices import (
    TASK_COLUMNS,
    TOTAL_COUNT,
    Principal,
    Row,
    Session,
    Statement,
    Task,
    owned_by,
    owner_values,
)

# Each key is served by an index on (user_id, key), so a user's list costs the same among a million rows.
SORT_COLUMNS = {"created": col(Task.created_at), "updated": col(Task.updated_at), "title": func.lower(col(Task.title))}
STATUS_FILTERS = {"pending": col(Task.completed) == false(), "completed": col(Task.completed) == true()}
Direction = Literal["asc", "desc"]
DIRECTIONS: tuple[Direction, ...] = ("asc", "desc")
ListShape = tuple[str, str, Direction, bool]


def _matching(status: str, *columns: Any) -> Select[Any]:
    statement = select(*columns).where(owned_by(col(Task.user_id)))
    return statement.where(STATUS_FILTERS[status]) if status in STATUS_FILTERS else statement


def _list_of(status: str, sort: str, direction: Direction, limited: bool) -> Statement:
    order = asc if direction == "asc" else desc
    # A page also says how many match, counted before LIMIT/OFFSET in the same statement; a whole list needs no count.
    statement = _matching(status, *TASK_COLUMNS, TOTAL_COUNT) if limited else _matching(status, *TASK_COLUMNS)
    # The id breaks ties, so pages never overlap or skip a task.
    statement = statement.order_by(order(SORT_COLUMNS[sort]), order(col(Task.id)))
    statement = statement.offset(bindparam("offset", type_=Integer))
    if limited:
        statement = statement.limit(bindparam("limit", type_=Integer))
    return Statement(statement)


# Every shape a list request can take (36), built once: a request only picks its own and fills in values.
LIST_BY_SHAPE: dict[ListShape, Statement] = {
    shape: _list_of(*shape) for shape in product(STATUSES, SORT_KEYS, DIRECTIONS, (False, True))
}


# How many match a filter, for the one page that cannot tell: an empty one past the start.
COUNT_BY_STATUS = {status: Statement(_matching(status, func.count())) for status in STATUSES}


def list_statement(query: TaskListQuery) -> Statement:
    return LIST_BY_SHAPE[(query.status, query.sort, query.direction, query.limit is not None)]


async def select_tasks(*, session: Session, owner: Principal, query: TaskListQuery) -> list[Row]:
    values = {"offset": query.offset, "limit": query.limit} if query.limit is not None else {"offset": query.offset}
    return await session.all(list_statement(query), **values, **owner_values(owner))


async def count_tasks(*, session: Session, owner: Principal, query: TaskListQuery) -> int:
    return int(await session.scalar(COUNT_BY_STATUS[query.status], **owner_values(owner)))
