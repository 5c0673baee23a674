"""`make bench`: the app measured against a bare ASGI + asyncpg floor. See bench/README.md."""
