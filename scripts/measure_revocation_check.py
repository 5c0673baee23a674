"""What the sign-out check costs per request: GET /api/tasks/{id} with and without a sign-in to check.

A token we minted carries a sign-in id, so the route's statement includes `EXISTS (… sign_ins …)`; a token from
Better Auth carries none, so the same statement runs without it. Both go through the whole app in-process on
PostgreSQL, interleaved in rounds so drift on a noisy machine hits both alike.

    .venv/bin/python scripts/measure_revocation_check.py [postgresql://postgres@127.0.0.1:5432/postgres]
"""

import asyncio
import secrets
import statistics
import sys
import time
from uuid import uuid4

import asyncpg
import httpx
from jose import jwt
from sqlalchemy import insert

from app.main import create_app
from app.shared.auth.sign_ins import start_sign_in
from app.shared.models import SignIn, Task, User
from app.shared.settings import Settings

ROUNDS, PER_ROUND = 20, 100


async def main(admin_url: str) -> None:
    name = f"todo_measure_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    secret = secrets.token_urlsafe(48)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"{admin_url.rsplit('/', 1)[0]}/{name}",
        better_auth_secret=secret,
        rate_limit_enabled=False,
        log_level="ERROR",
    )
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            kernel = app.state.kernel
            user_id, task_id = str(uuid4()), uuid4()
            row, issued = start_sign_in(kernel.tokens, user_id=user_id, email="m@example.com", name="M")
            async with kernel.database.transaction_session() as session:
                await session.exec(insert(User).values(id=user_id, email="m@example.com", name="M"))
                await session.exec(insert(SignIn).values(**row))
                await session.exec(insert(Task).values(id=task_id, user_id=user_id, title="measured"))
                await session.commit()
            external = jwt.encode(
                {"sub": user_id, "email": "m@example.com", "exp": int(time.time()) + 3600}, secret, algorithm="HS256"
            )
            tokens = {"with sign-in check": issued.access.token, "without": external}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
                samples: dict[str, list[float]] = {label: [] for label in tokens}
                for round_number in range(ROUNDS + 2):
                    for label, token in tokens.items():
                        headers = {"Authorization": f"Bearer {token}"}
                        started = time.perf_counter()
                        for _ in range(PER_ROUND):
                            response = await client.get(f"/api/tasks/{task_id}", headers=headers)
                            assert response.status_code == 200
                        if round_number >= 2:  # the first rounds warm caches and prepared statements
                            samples[label].append((time.perf_counter() - started) / PER_ROUND * 1e6)
            medians = {label: statistics.median(values) for label, values in samples.items()}
            for label, median in medians.items():
                print(f"{label:>20}: {median:7.1f} µs per request (median of {ROUNDS} rounds of {PER_ROUND})")
            extra = medians["with sign-in check"] - medians["without"]
            print(f"{'sign-in check':>20}: {extra:+7.1f} µs ({extra / medians['without']:+.1%})")
    finally:
        await app.state.kernel.database.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres"))
