"""A pooled connection idle past DB_PING_IDLE_SECONDS is pinged before use, and a healthy one survives its ping."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from app.shared.for_slices import Statement

BACKEND_PID = Statement(select(func.pg_backend_pid().label("pid")))


async def test_a_healthy_idle_connection_is_kept_after_its_ping(app_with: Any, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("an embedded file has no network path to ping")
    async with app_with(db_pool_size=1, db_ping_idle_seconds=0.1) as app:
        database = app.state.kernel.database
        async with database.session() as session:
            before = await session.scalar(BACKEND_PID)
        await asyncio.sleep(0.3)  # idle past the threshold: the next checkout pings it
        async with database.session() as session:
            after = await session.scalar(BACKEND_PID)
    assert after == before
