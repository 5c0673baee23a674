"""Watches (and, for failure tests, breaks) the SQL the app sends, at the one place every statement passes."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from app.shared.database.session import Session

Inspect = Callable[[str], None]


@contextmanager
def watching_sql(monkeypatch: pytest.MonkeyPatch, inspect: Inspect) -> Iterator[None]:
    """Calls `inspect(sql)` before each statement any session runs; an exception it raises is the driver's."""
    original = Session._fetch

    async def spied(self: Session, sql: str, arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
        inspect(sql)
        return await original(self, sql, arguments)

    with monkeypatch.context() as patch:
        patch.setattr(Session, "_fetch", spied)
        yield
