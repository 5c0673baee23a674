"""POST /api/auth/refresh's reuse interval: two tabs refreshing at once stay signed in; a replay later still revokes.

Every test starts its own app with the interval it needs (`app_with(refresh_reuse_grace_seconds=…)`), so none
depends on the default. Time is moved by ageing the sign-in's `rotated_at`, or by the handler's injected clock,
never by sleeping.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import col

from app.features.auth_refresh.handler import handle
from app.shared.database.tables import SignIn
from app.shared.errors import AuthenticationError
from app.shared.kernel import Kernel
from app.shared.settings import ConfigurationError, Settings, load_settings
from tests.conftest import TEST_SECRET, client_for
from tests.features.auth_helpers import auth, claims, registered
from tests.security.logs import captured_logs, events

AppWith = Callable[..., AbstractAsyncContextManager[FastAPI]]
Started = Callable[[float], AbstractAsyncContextManager[tuple[Kernel, httpx.AsyncClient]]]


@pytest.fixture
def started(app: FastAPI, app_with: AppWith) -> Started:
    """An app with the given interval and a client to it; asking for `app` empties the tables afterwards."""

    @asynccontextmanager
    async def start(grace_seconds: float) -> AsyncIterator[tuple[Kernel, httpx.AsyncClient]]:
        async with app_with(refresh_reuse_grace_seconds=grace_seconds) as other, client_for(other) as client:
            yield other.state.kernel, client

    return start


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


async def sign_in_row(kernel: Kernel, token: str) -> SignIn:
    async with kernel.database.orm_session() as db:
        row = await db.get(SignIn, claims(token)["sid"])
    assert row is not None
    return row


async def age_the_last_rotation(kernel: Kernel, token: str, seconds: float) -> None:
    """As if `seconds` had passed since the sign-in's last rotation."""
    row = await sign_in_row(kernel, token)
    assert row.rotated_at is not None
    async with kernel.database.orm_session() as db:
        await db.exec(
            update(SignIn)
            .where(col(SignIn.id) == row.id)
            .values(rotated_at=row.rotated_at - timedelta(seconds=seconds))
        )
        await db.commit()


async def works(client: httpx.AsyncClient, pair: dict[str, Any]) -> bool:
    return (await client.get("/api/auth/me", headers=auth(pair))).status_code == 200


async def assert_sign_in_revoked(kernel: Kernel, client: httpx.AsyncClient, *pairs: dict[str, Any]) -> None:
    assert (await sign_in_row(kernel, pairs[0]["refresh_token"])).revoked_at is not None
    for pair in pairs:
        assert not await works(client, pair)
        assert (await refresh(client, pair["refresh_token"])).status_code == 401


async def test_a_replay_within_the_interval_gets_the_current_pair_and_both_tabs_go_on(started: Started) -> None:
    async with started(10) as (kernel, client):
        first = await registered(kernel)
        winner = (await refresh(client, first["refresh_token"])).json()
        late = await refresh(client, first["refresh_token"])
        assert late.status_code == 200
        second_tab = late.json()
        assert {"access_token", "refresh_token", "token_type", "expires_in"} <= set(second_tab)
        # The pair the winner holds, signed afresh: the same sign-in, the same current refresh token.
        assert claims(second_tab["refresh_token"])["jti"] == claims(winner["refresh_token"])["jti"]
        assert claims(second_tab["refresh_token"])["sid"] == claims(first["refresh_token"])["sid"]
        assert await works(client, winner)
        assert await works(client, second_tab)
        assert (await sign_in_row(kernel, first["refresh_token"])).revoked_at is None
        # Both tabs keep refreshing afterwards, each getting the one current token again.
        winner_next = await refresh(client, winner["refresh_token"])
        second_next = await refresh(client, second_tab["refresh_token"])
        assert (winner_next.status_code, second_next.status_code) == (200, 200)
        assert claims(winner_next.json()["refresh_token"])["jti"] == claims(second_next.json()["refresh_token"])["jti"]
        assert await works(client, winner_next.json())
        assert await works(client, second_next.json())


async def test_after_the_interval_a_replay_revokes_the_whole_sign_in(started: Started) -> None:
    async with started(10) as (kernel, client):
        first = await registered(kernel)
        second = (await refresh(client, first["refresh_token"])).json()
        await age_the_last_rotation(kernel, first["refresh_token"], 10.5)
        with captured_logs() as records:
            replay = await refresh(client, first["refresh_token"])
        assert replay.status_code == 401
        assert len(events(records, "refresh_reuse")) == 1
        await assert_sign_in_revoked(kernel, client, second, first)


@pytest.mark.parametrize(("after", "answered"), [(4.9, True), (5.1, False)])
async def test_the_interval_ends_where_the_setting_says(started: Started, after: float, answered: bool) -> None:
    async with started(5) as (kernel, client):
        first = await registered(kernel)
        second = (await refresh(client, first["refresh_token"])).json()
        rotated_at = (await sign_in_row(kernel, first["refresh_token"])).rotated_at
        assert rotated_at is not None

        def clock() -> datetime:
            return rotated_at + timedelta(seconds=after)

        async with kernel.database.session() as session:
            try:
                pair = await handle(
                    session=session, tokens=kernel.tokens, refresh_token=first["refresh_token"], grace_seconds=5,
                    clock=clock,
                )  # fmt: skip
            except AuthenticationError:
                pair = None
        assert (pair is not None) is answered
        if pair is not None:
            assert claims(pair.refresh_token)["jti"] == claims(second["refresh_token"])["jti"]
            assert await works(client, pair.model_dump())
        else:
            await assert_sign_in_revoked(kernel, client, second)


async def test_strict_mode_revokes_on_the_first_replay(started: Started) -> None:
    async with started(0) as (kernel, client):
        first = await registered(kernel)
        second = (await refresh(client, first["refresh_token"])).json()
        assert (await refresh(client, first["refresh_token"])).status_code == 401
        await assert_sign_in_revoked(kernel, client, second)


async def test_a_token_retired_two_rotations_ago_is_reuse_even_within_the_interval(started: Started) -> None:
    async with started(10) as (kernel, client):
        first = await registered(kernel)
        second = (await refresh(client, first["refresh_token"])).json()
        third = (await refresh(client, second["refresh_token"])).json()
        assert (await refresh(client, first["refresh_token"])).status_code == 401
        await assert_sign_in_revoked(kernel, client, third)


async def test_a_signed_out_sign_in_gets_nothing_within_the_interval(started: Started) -> None:
    async with started(10) as (kernel, client):
        first = await registered(kernel)
        second = (await refresh(client, first["refresh_token"])).json()
        assert (await client.post("/api/auth/signout", headers=auth(second))).status_code == 200
        replay = await refresh(client, first["refresh_token"])
        assert (replay.status_code, replay.json()["detail"]) == (401, "Refresh token has been revoked")


async def test_fifty_concurrent_refreshes_of_one_token_all_get_a_working_pair(started: Started) -> None:
    async with started(10) as (kernel, client):
        first = await registered(kernel)
        answers = await asyncio.gather(*(refresh(client, first["refresh_token"]) for _ in range(50)))
        assert [answer.status_code for answer in answers] == [200] * 50
        pairs = [answer.json() for answer in answers]
        # One rotation happened; every answer carries its one current refresh token.
        assert len({claims(pair["refresh_token"])["jti"] for pair in pairs}) == 1
        assert claims(pairs[0]["refresh_token"])["jti"] != claims(first["refresh_token"])["jti"]
        assert (await sign_in_row(kernel, first["refresh_token"])).revoked_at is None
        assert all(await asyncio.gather(*(works(client, pair) for pair in pairs)))
        # …and every refresh token of them still refreshes (the first rotates, the rest are within its interval).
        for pair in pairs:
            assert (await refresh(client, pair["refresh_token"])).status_code == 200
        assert (await sign_in_row(kernel, first["refresh_token"])).revoked_at is None


def test_the_interval_is_ten_seconds_by_default_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFRESH_REUSE_GRACE_SECONDS", raising=False)
    assert Settings(_env_file=None, better_auth_secret=TEST_SECRET).refresh_reuse_grace_seconds == 10  # type: ignore[call-arg]
    assert load_settings(better_auth_secret=TEST_SECRET, refresh_reuse_grace_seconds=0).refresh_reuse_grace_seconds == 0
    for bad in (-1, 61):
        with pytest.raises(ConfigurationError, match="REFRESH_REUSE_GRACE_SECONDS"):
            load_settings(better_auth_secret=TEST_SECRET, refresh_reuse_grace_seconds=bad)
