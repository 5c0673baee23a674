"""Captures what the app logs, for assertions: loguru records (message plus bound facts), or whole JSON lines.

Enter these after the app is built: building an app reconfigures logging and drops every sink.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from loguru import logger


@contextmanager
def captured_logs(level: str = "DEBUG") -> Iterator[list[Any]]:
    records: list[Any] = []
    sink = logger.add(lambda message: records.append(message.record), level=level)
    try:
        yield records
    finally:
        logger.remove(sink)


@contextmanager
def captured_lines(level: str = "DEBUG") -> Iterator[list[str]]:
    """Every line as LOG_FORMAT=json writes it: the message, every bound fact, any exception text."""
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level=level, serialize=True)
    try:
        yield lines
    finally:
        logger.remove(sink)


def events(records: list[Any], event: str) -> list[Any]:
    return [record for record in records if record["extra"].get("event") == event]
