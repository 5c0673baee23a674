from app.features.list_tasks.query import select_tasks
from app.features.list_tasks.request import TaskListQuery
from app.shared.auth.ownership import raise_if_signed_out
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session


async def find_tasks(*, session: Session, owner: Principal, query: TaskListQuery) -> list[Row]:
    rows = await select_tasks(session=session, owner=owner, query=query)
    if not rows:
        # An empty page may also mean the sign-in was revoked: only then is it worth a second query.
        await raise_if_signed_out(session, owner)
    return rows
