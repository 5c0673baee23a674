from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.models import SignIn, User


async def insert_account(*, session: AsyncSession, user: dict[str, Any], sign_in: dict[str, Any]) -> bool:
    """False when the email is taken: the unique index decides, so two racing sign-ups cannot both win."""
    try:
        await session.exec(insert(User).values(**user))
    except IntegrityError:
        return False
    await session.exec(insert(SignIn).values(**sign_in))
    return True
