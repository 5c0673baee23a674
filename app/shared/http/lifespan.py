"""Start-up and shut-down: the schema is brought to head, retrying with backoff while the database is away."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from loguru import logger

from app.shared.database import Database
from app.shared.database.driver_errors import is_database_unavailable
from app.shared.database.migrations import upgrade_to_head
from app.shared.errors import ServiceUnavailableError
from app.shared.idempotency.keys import purge_expired
from app.shared.kernel import Kernel, kernel_of

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0
# Keys live a day; purging hourly keeps the table near one day's keys.
PURGE_INTERVAL_SECONDS = 3600.0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    kernel = kernel_of(app)
    await kernel.database.start()
    first_attempt_done = asyncio.Event()
    preparing = asyncio.create_task(prepare_database(kernel, first_attempt_done))
    purging = asyncio.create_task(purge_idempotency_keys(kernel.database))
    # Serve with the schema at head when the database answers; when it does not (refused, or no answer within
    # the connect timeout), start anyway: ready stays 503 while migrations keep being retried in the background.
    with suppress(TimeoutError):
        await asyncio.wait_for(first_attempt_done.wait(), timeout=kernel.settings.db_connect_timeout_seconds + 1)
    try:
        yield
    finally:
        for background in (preparing, purging):
            background.cancel()
            with suppress(asyncio.CancelledError):
                await background
        await kernel.better_auth_sessions.close()
        await kernel.database.dispose()


async def prepare_database(kernel: Kernel, first_attempt_done: asyncio.Event) -> None:
    database = kernel.database
    if not kernel.settings.auto_migrate:
        database.schema_ready = True
        first_attempt_done.set()
        await _fill_pool(database)
        return
    delay = FIRST_RETRY_SECONDS
    failures = 0
    while True:
        try:
            await upgrade_to_head(database)
        except Exception as error:
            first_attempt_done.set()
            if not is_database_unavailable(error):
                # Not an outage (a bad migration, a wrong password): retrying will not help. One traceback.
                logger.exception("Migrations failed; the service stays not-ready")
                return
            if failures == 0:
                # One line for the whole outage, however long it lasts: no traceback per retry.
                logger.warning(
                    "Database unreachable at start-up ({}); serving anyway (/health/ready is 503) and retrying "
                    "with backoff up to {}s",
                    type(error).__name__,
                    MAX_RETRY_SECONDS,
                )
            failures += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)
            continue
        database.schema_ready = True
        await _fill_pool(database)
        first_attempt_done.set()
        logger.info(
            "Database schema is at head ({}){}",
            database.dialect_name,
            f" after {failures} failed attempt(s)" if failures else "",
        )
        return


async def purge_idempotency_keys(database: Database) -> None:
    """Every worker purges expired keys now and then: harmless when several do, and no scheduler to run."""
    while True:
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
        if database.schema_ready:
            try:
                await purge_expired(database)
            except ServiceUnavailableError:
                logger.warning("Could not purge expired idempotency keys; trying again in an hour")


async def _fill_pool(database: Database) -> None:
    try:
        await database.fill_pool()
    except ServiceUnavailableError:
        # The database went away again between migrating and now: connections open on first use instead.
        logger.warning("Could not open the whole connection pool at start-up; connections open on first use")
