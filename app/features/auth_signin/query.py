"""The statements POST /api/auth/signin runs, declared once, each scoped to its caller."""

from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import col

from app.shared.for_slices import INSERT_SIGN_IN, USER_PUBLIC_COLUMNS, Row, Session, Statement, User

SELECT_ACCOUNT = Statement(
    select(*USER_PUBLIC_COLUMNS, col(User.password_hash)).where(col(User.email) == bindparam("email"))
)


async def select_account(*, session: Session, email: str) -> Row | None:
    return await session.one(SELECT_ACCOUNT, email=email)


async def insert_sign_in(*, session: Session, sign_in: dict[str, Any]) -> None:
    await session.run(INSERT_SIGN_IN, **sign_in)
