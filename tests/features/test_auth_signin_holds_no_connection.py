"""A sign-in waiting for its bcrypt check holds no database connection: other requests are served meanwhile."""

import asyncio
from typing import Any

import pytest

from tests.conftest import client_for
from tests.factories import signed_in_user
from tests.features.auth_helpers import PASSWORD, registered


async def test_a_read_is_served_while_a_sign_in_waits_for_bcrypt(
    app_with: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app_with(db_pool_size=1, db_pool_timeout_seconds=5) as app, client_for(app) as client:
        kernel = app.state.kernel
        account = await registered(kernel, email="slow@example.com")
        reader = await signed_in_user(kernel)
        hashing = asyncio.Event()
        finish_hashing = asyncio.Event()
        verify = kernel.passwords.verify

        async def slow_verify(password: str, password_hash: str | None) -> bool:
            hashing.set()
            await finish_hashing.wait()  # a hashing thread that is busy with other sign-ins
            return await verify(password, password_hash)

        monkeypatch.setattr(kernel.passwords, "verify", slow_verify)
        sign_in = asyncio.create_task(
            client.post("/api/auth/signin", json={"email": account["user"]["email"], "password": PASSWORD})
        )
        try:
            await asyncio.wait_for(hashing.wait(), timeout=5)
            # The pool's only connection: a sign-in that kept it through its bcrypt wait would starve this read.
            read = await asyncio.wait_for(client.get("/api/tasks", headers=reader.headers), timeout=3)
        finally:
            finish_hashing.set()
        assert read.status_code == 200
        assert (await sign_in).status_code == 200
