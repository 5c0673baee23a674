"""The statements POST /api/auth/signup runs, declared once, each scoped to its caller."""

from typing import Any

from sqlalchemy import bindparam, insert

from app.shared.for_slices import INSERT_SIGN_IN, DuplicateValueError, Session, Statement, User

_ACCOUNT_FIELDS = ("id", "email", "name", "password_hash", "created_at", "updated_at")
INSERT_USER = Statement(
    insert(User).values(
        {name: bindparam(name, type_=User.__table__.columns[name].type) for name in _ACCOUNT_FIELDS}  # type: ignore[attr-defined]
    )
)


async def insert_account(*, session: Session, user: dict[str, Any], sign_in: dict[str, Any]) -> bool:
    """False when the email is taken: the unique index decides, so two racing sign-ups cannot both win.

    Both rows land together or neither does: an account never exists without its first sign-in.
    """
    try:
        async with session.transaction():
            await session.run(INSERT_USER, **user)
            await session.run(INSERT_SIGN_IN, **sign_in)
    except DuplicateValueError:
        return False
    return True
