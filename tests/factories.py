"""Small factories that put rows straight into the database, so a slice's tests never go through another slice."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, update
from sqlmodel import col, func, select

from app.shared.auth.sign_ins import start_sign_in
from app.shared.database.column_types import utc_now
from app.shared.database.tables import SignIn, Task, User
from app.shared.kernel import Kernel


@dataclass
class SignedInUser:
    user: User
    sign_in_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_user(
    kernel: Kernel, *, email: str | None = None, name: str = "Test User", password: str | None = None
) -> User:
    user = User(
        id=str(uuid4()),
        email=(email or f"user-{uuid4().hex[:10]}@example.com").lower(),
        name=name,
        password_hash=await kernel.passwords.hash(password) if password else None,
    )
    async with kernel.database.orm_session() as session:
        session.add(user)
        await session.commit()
    return user


async def sign_in(kernel: Kernel, user: User) -> SignedInUser:
    """What a successful sign-in leaves behind: a live sign-in row and a token pair naming it."""
    row, issued = start_sign_in(kernel.tokens, user_id=user.id, email=user.email, name=user.name)
    async with kernel.database.orm_session() as session:
        await session.exec(insert(SignIn).values(**row))
        await session.commit()
    return SignedInUser(
        user=user, sign_in_id=row["id"], access_token=issued.access.token, refresh_token=issued.refresh.token
    )


async def signed_in_user(kernel: Kernel, **user_fields: Any) -> SignedInUser:
    return await sign_in(kernel, await create_user(kernel, **user_fields))


async def create_task(kernel: Kernel, owner: User | SignedInUser, **fields: Any) -> Task:
    owner_id = owner.user.id if isinstance(owner, SignedInUser) else owner.id
    task = Task(user_id=owner_id, **({"title": "A task"} | fields))
    async with kernel.database.orm_session() as session:
        session.add(task)
        await session.commit()
    return task


async def stored_task(kernel: Kernel, task_id: str | UUID) -> Task | None:
    """The row as the database holds it, to check what a request did (or did not) change."""
    async with kernel.database.orm_session() as session:
        return await session.get(Task, UUID(str(task_id)))


async def revoke(kernel: Kernel, signed_in: SignedInUser) -> None:
    """Ends a sign-in behind the API's back, as sign-out or refresh-reuse detection would."""
    async with kernel.database.orm_session() as session:
        await session.exec(update(SignIn).where(col(SignIn.id) == signed_in.sign_in_id).values(revoked_at=utc_now()))
        await session.commit()


async def count_tasks(kernel: Kernel, owner_id: str) -> int:
    async with kernel.database.orm_session() as session:
        return int(await session.scalar(select(func.count()).where(col(Task.user_id) == owner_id)) or 0)
