"""Creates the `users` row for someone who signed up through Better Auth, the first time a token names them."""

from typing import TYPE_CHECKING

from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from app.shared.auth.principal import Principal
from app.shared.column_types import utc_now
from app.shared.errors import AuthenticationError
from app.shared.models import User

if TYPE_CHECKING:
    from app.shared.kernel import Kernel

KNOWN_USERS_CAP = 100_000


async def ensure_user_exists(kernel: "Kernel", principal: Principal) -> None:
    # Users are never deleted through the API, so "exists" only ever turns true: safe to remember per process.
    if principal.user_id in kernel.known_users:
        return
    insert = sqlite_insert if kernel.database.dialect == "sqlite" else postgres_insert
    now = utc_now()
    async with kernel.database.statement_session() as session:
        await session.exec(
            insert(User)
            .values(
                id=principal.user_id,
                email=principal.email,
                name=principal.name or principal.email.split("@", 1)[0],
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )
        provisioned = await session.scalar(select(col(User.id)).where(col(User.id) == principal.user_id))
        await session.commit()
    if provisioned is None:
        raise AuthenticationError("The token's email belongs to another account")
    if len(kernel.known_users) >= KNOWN_USERS_CAP:
        kernel.known_users.clear()
    kernel.known_users.add(principal.user_id)
