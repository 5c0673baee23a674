"""The use case behind GET /api/tasks: the caller's tasks, filtered, sorted and paged, and how many match."""

from app.features.list_tasks.query import count_tasks, select_tasks
from app.features.list_tasks.request import TaskListQuery
from app.shared.for_slices import Principal, Row, Session, raise_if_signed_out, total_of


async def handle(*, session: Session, owner: Principal, query: TaskListQuery) -> tuple[list[Row], int]:
    rows = await select_tasks(session=session, owner=owner, query=query)
    if not rows:
        # An empty page may also mean the sign-in was revoked: only then is it worth a second query.
        await raise_if_signed_out(session, owner)
    total = total_of(rows, offset=query.offset, limited=query.limit is not None)
    if total is None:
        total = await count_tasks(session=session, owner=owner, query=query)
    return rows, total
