from app.features.create_task.query import insert_task
from app.features.create_task.request import TaskCreate
from app.shared.auth.principal import Principal
from app.shared.database import Row, Session
from app.shared.errors import AuthenticationError


async def add_task(*, session: Session, owner: Principal, data: TaskCreate) -> Row:
    row = await insert_task(session=session, owner=owner, data=data)
    if row is None:
        # The insert is conditional on nothing but a live sign-in, so no row means the caller signed out.
        raise AuthenticationError("Token has been revoked")
    return row
