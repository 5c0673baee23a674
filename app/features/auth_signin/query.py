from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.shared.models import SignIn, User


async def select_account(*, session: AsyncSession, email: str) -> User | None:
    return (await session.exec(select(User).where(col(User.email) == email))).one_or_none()


async def insert_sign_in(*, session: AsyncSession, sign_in: dict[str, Any]) -> None:
    await session.exec(insert(SignIn).values(**sign_in))
