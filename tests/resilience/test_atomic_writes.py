"""A request that fails midway leaves nothing half-written: its writes land together or not at all."""

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import select

from app.shared.database.tables import SignIn, User
from app.shared.kernel import Kernel
from tests.sql_spy import watching_sql

NEWCOMER = {"email": "half-written@example.com", "password": "correct horse battery", "name": "Newcomer"}


@dataclass
class InjectedFailure:
    table: str
    armed: bool = True
    writes: list[str] = field(default_factory=list)

    def inspect(self, statement: str) -> None:
        words = statement.split()
        if words[:2] != ["INSERT", "INTO"]:
            return
        table = words[2].strip('"')
        self.writes.append(table)
        if self.armed and table == self.table:
            raise RuntimeError(f"injected failure on the {table} write")


@pytest.fixture
def failing_sign_in_write(monkeypatch: pytest.MonkeyPatch) -> Iterator[InjectedFailure]:
    """The database driver fails on the INSERT into sign_ins, the second of sign-up's two writes."""
    failure = InjectedFailure(table=SignIn.__tablename__)
    with watching_sql(monkeypatch, failure.inspect):
        yield failure


async def test_a_sign_up_whose_second_write_fails_leaves_no_user(
    client: httpx.AsyncClient, kernel: Kernel, failing_sign_in_write: InjectedFailure
) -> None:
    response = await client.post("/api/auth/signup", json=NEWCOMER)

    assert (response.status_code, response.json()) == (
        500,
        {"detail": "Internal server error", "message": "Internal server error"},
    )
    assert failing_sign_in_write.writes == [User.__tablename__, SignIn.__tablename__]
    async with kernel.database.orm_session() as session:
        users = (await session.exec(select(User.id).where(User.email == NEWCOMER["email"]))).all()
        sign_ins = (await session.exec(select(SignIn.id))).all()
    assert (users, sign_ins) == ([], [])


async def test_after_a_failed_sign_up_the_same_email_signs_up(
    client: httpx.AsyncClient, failing_sign_in_write: InjectedFailure
) -> None:
    failed = await client.post("/api/auth/signup", json=NEWCOMER)
    failing_sign_in_write.armed = False

    retried = await client.post("/api/auth/signup", json=NEWCOMER)

    assert (failed.status_code, retried.status_code) == (500, 201)
    assert retried.json()["user"]["email"] == NEWCOMER["email"]
