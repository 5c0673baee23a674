"""Creates the `users` row for someone who signed up through Better Auth, the first time a token names them."""

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from app.shared.auth.principal import Principal
from app.shared.database import Database, Statement
from app.shared.database.column_types import utc_now
from app.shared.database.tables import User
from app.shared.errors import AuthenticationError

KNOWN_USERS_CAP = 100_000
_NEW_USER = {
    "id": bindparam("user_id"),
    "email": bindparam("email"),
    "name": bindparam("name"),
    "created_at": bindparam("now", type_=User.__table__.c.created_at.type),  # type: ignore[attr-defined]
    "updated_at": bindparam("now", type_=User.__table__.c.updated_at.type),  # type: ignore[attr-defined]
}
# The same upsert, written in each database's words: a racing first request of the same user inserts nothing.
INSERT_USER_IF_NEW = Statement(
    {
        "postgresql": postgres_insert(User).values(_NEW_USER).on_conflict_do_nothing(),
        "sqlite": sqlite_insert(User).values(_NEW_USER).on_conflict_do_nothing(),
    }
)
USER_EXISTS = Statement(select(col(User.id)).where(col(User.id) == bindparam("user_id")))


class UserProvisioner:
    def __init__(self, database: Database) -> None:
        self._database = database
        # Users are never deleted through the API, so "exists" only ever turns true: safe to remember per process.
        self._known: set[str] = set()

    async def ensure_exists(self, principal: Principal) -> None:
        if principal.user_id in self._known:
            return
        async with self._database.session() as session:
            await session.run(
                INSERT_USER_IF_NEW,
                user_id=principal.user_id,
                email=principal.email,
                name=principal.name or principal.email.split("@", 1)[0],
                now=utc_now(),
            )
            provisioned = await session.scalar(USER_EXISTS, user_id=principal.user_id)
        if provisioned is None:
            # The id is new but the email belongs to another account: the insert did nothing.
            raise AuthenticationError("The token's email belongs to another account")
        if len(self._known) >= KNOWN_USERS_CAP:
            self._known.clear()
        self._known.add(principal.user_id)

    def forget_all(self) -> None:
        """For tests that empty the tables between cases."""
        self._known.clear()
