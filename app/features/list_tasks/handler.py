"""The use case behind GET /api/tasks: the caller's tasks, filtered, sorted and paged."""

from app.features.list_tasks.query import select_tasks
from app.features.list_tasks.request import TaskListQuery
from app.shared.for_slices import Principal, Row, Session, raise_if_signed_out


async def handle(*, session: Session, owner: Principal, query: TaskListQuery) -> list[Row]:
    rows = await select_tasks(session=session, owner=owner, query=query)
    if not rows:
        # An empty page may also mean the sign-in was revoked: only then is it worth a second query.
        await raise_if_signed_out(session, owner)
    return rows
