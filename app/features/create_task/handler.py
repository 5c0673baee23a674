from sqlmodel.ext.asyncio.session import AsyncSession

from app.features.create_task.query import insert_task
from app.features.create_task.request import TaskCreate
from app.shared.auth.principal import Principal
from app.shared.errors import AuthenticationError
from app.shared.schemas import TaskPublic


async def add_task(*, session: AsyncSession, owner: Principal, data: TaskCreate) -> TaskPublic:
    row = await insert_task(session=session, owner=owner, data=data)
    if row is None:
        # The insert is conditional on nothing but a live sign-in, so no row means the caller signed out.
        raise AuthenticationError("Token has been revoked")
    return TaskPublic.model_validate(row)
