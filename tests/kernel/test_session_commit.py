"""`Session.commit()`: what a session wrote is seen by other connections at once, also in pooled mode, where the
whole session is otherwise one transaction (what lets an idempotency claim be seen before the work runs)."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import bindparam, func, insert, select

from app.shared.database import Database, Statement
from app.shared.database.column_types import utc_now
from app.shared.database.tables import User
from tests.conftest import running_app, test_settings

ADD_USER = Statement(
    insert(User).values(
        id=bindparam("id"), email=bindparam("email"), name="x", created_at=bindparam("now"), updated_at=bindparam("now")
    )
)
COUNT_USERS = Statement(select(func.count()).select_from(User))


@pytest.fixture(params=[False, True], ids=["autocommit", "pooled"])
async def database(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Database]:
    pooled = {"database_pooled": True} if request.param else {}
    if request.param and database_url.startswith("sqlite"):
        pytest.skip("pooled mode is PostgreSQL's (a transaction-mode pooler)")
    async with running_app(test_settings(database_url, **pooled)) as app:
        database: Database = app.state.kernel.database
        assert database.target.wraps_statements_in_transactions is request.param
        yield database
        async with database.orm_session() as session:
            await session.exec(User.__table__.delete())  # type: ignore[attr-defined,call-overload]
            await session.commit()


async def seen_elsewhere(database: Database) -> int:
    async with database.session() as other:
        return int(await other.scalar(COUNT_USERS))


async def test_commit_shows_the_writes_so_far_and_the_session_goes_on(database: Database) -> None:
    async with database.session() as session:
        await session.run(ADD_USER, id="one", email="one@example.com", now=utc_now())
        await session.commit()
        assert await seen_elsewhere(database) == 1
        await session.run(ADD_USER, id="two", email="two@example.com", now=utc_now())
        await session.commit()
        assert await seen_elsewhere(database) == 2
        assert await session.scalar(COUNT_USERS) == 2


async def test_without_commit_pooled_mode_shows_nothing_until_the_session_ends(database: Database) -> None:
    async with database.session() as session:
        await session.run(ADD_USER, id="one", email="one@example.com", now=utc_now())
        pooled = database.target.wraps_statements_in_transactions
        assert await seen_elsewhere(database) == (0 if pooled else 1)
    assert await seen_elsewhere(database) == 1
