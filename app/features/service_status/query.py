"""The one statement readiness needs: does the database answer?"""

from sqlalchemy import literal_column, select

from app.shared.for_slices import Session, Statement

SELECT_ONE = Statement(select(literal_column("1").label("one")))


async def database_answers(*, session: Session) -> bool:
    return await session.scalar(SELECT_ONE) == 1
