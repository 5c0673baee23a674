"""A running app purges idempotency keys past their day by itself, on every worker, with no scheduler."""

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlmodel import select

from app.shared.database.column_types import utc_now
from app.shared.database.tables import IdempotencyKey, User
from app.shared.http import lifespan
from app.shared.idempotency.keys import TIME_TO_LIVE
from tests.factories import create_user

# Generous: the purge runs every few milliseconds here, so this is a bound on a hang, not a timing claim.
PATIENCE_SECONDS = 30


async def test_the_lifespan_purges_expired_keys_and_keeps_young_ones(
    app_with: Callable[..., AbstractAsyncContextManager[FastAPI]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lifespan, "PURGE_INTERVAL_SECONDS", 0.01)
    async with app_with() as app:
        kernel = app.state.kernel
        user = await create_user(kernel)
        async with kernel.database.orm_session() as session:
            for key, age in (("old", TIME_TO_LIVE + timedelta(minutes=1)), ("young", timedelta(minutes=1))):
                row = {"user_id": user.id, "key": key, "fingerprint": "f", "claim": "c", "started_at": utc_now() - age}
                await session.exec(insert(IdempotencyKey).values(**row))  # type: ignore[call-overload]
            await session.commit()

        async def keys_left() -> list[str]:
            async with kernel.database.orm_session() as session:
                return list((await session.exec(select(IdempotencyKey.key))).all())

        async def until_purged() -> list[str]:
            while "old" in (left := await keys_left()):
                await asyncio.sleep(0.05)
            return left

        assert await asyncio.wait_for(until_purged(), PATIENCE_SECONDS) == ["young"]
        async with kernel.database.orm_session() as session:
            await session.delete(await session.get(User, user.id))  # its keys go with it (ON DELETE CASCADE)
            await session.commit()
