"""The use case behind POST /api/tasks: a task created for the caller."""

from app.features.create_task.query import insert_task
from app.features.create_task.request import TaskCreate
from app.shared.for_slices import AuthenticationError, Principal, Row, Session


async def handle(*, session: Session, owner: Principal, data: TaskCreate) -> Row:
    row = await insert_task(session=session, owner=owner, data=data)
    if row is None:
        # The insert is conditional on nothing but a live sign-in, so no row means the caller signed out.
        raise AuthenticationError("Token has been revoked")
    return row
