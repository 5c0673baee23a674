"""The one statement readiness needs: does the database answer?"""

from sqlalchemy import literal, select
from sqlmodel.ext.asyncio.session import AsyncSession


async def database_answers(*, session: AsyncSession) -> bool:
    return await session.scalar(select(literal(1))) == 1
