"""Alembic environment: in-process (the app passes its connection) or from the CLI (`alembic upgrade head`)."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from app.shared.database.tables import metadata

config = context.config


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_cli() -> None:
    from app.shared.database import Database
    from app.shared.settings import load_settings

    database = Database(load_settings())
    try:
        async with database.transactional_engine.connect() as connection:
            await connection.run_sync(run_with)
            await connection.commit()
    finally:
        await database.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")

provided = config.attributes.get("connection")
if provided is not None:
    run_with(provided)
else:
    asyncio.run(run_from_cli())
