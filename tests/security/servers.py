"""Real servers the security tests start and stop themselves: a redis-server on a free port, stopped at teardown
whatever happened. The app itself runs under uvicorn through tests/resilience/components.py.
"""

import contextlib
import json
import shutil
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.resilience.components import end_process, free_port, uvicorn_process, wait_for_port

__all__ = ["RedisServer", "free_port", "json_records", "redis_server", "require_redis_server", "uvicorn_process"]


def require_redis_server() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not on PATH: the shared-limit and Redis-outage tests need one")
    return binary


class RedisServer:
    """A throwaway redis-server without persistence, stopped and started again on the same port at will."""

    def __init__(self) -> None:
        self.binary = require_redis_server()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    def stop(self) -> None:
        if self.process is not None:
            end_process(self.process, signal.SIGKILL)
            self.process = None


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def json_records(output: str) -> list[dict[str, Any]]:
    """The app's log records from a LOG_FORMAT=json process output (uvicorn's start-up lines are plain text)."""
    records = []
    for line in output.splitlines():
        with contextlib.suppress(ValueError, KeyError):
            records.append(json.loads(line)["record"])
    return records
