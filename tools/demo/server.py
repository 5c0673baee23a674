"""A throwaway server for the demos: `uvicorn app.main:app` on a free 127.0.0.1 port and an embedded SQLite
database in a temp dir, with a random BETTER_AUTH_SECRET; stopped, and its files removed, whatever happens.

It gets its own environment, not the developer's: the working directory is the temp dir (so no `.env` is read)
and only a few harmless variables pass through, so a DATABASE_URL or RATE_LIMIT_ENABLED=false in the shell
cannot change what the demos see.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tools.demo.catalog import PROJECT_ROOT

READY_PATH = "/health/ready"
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
# What a process needs to run at all; nothing here configures the app.
PASSED_THROUGH = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT")


class ServerError(RuntimeError):
    """The throwaway server did not come up; the message ends with the last lines it logged."""


@dataclass(frozen=True, slots=True)
class ThrowawayServer:
    base_url: str
    folder: Path


@contextlib.contextmanager
def throwaway_server(settings: dict[str, str]) -> Iterator[ThrowawayServer]:
    with tempfile.TemporaryDirectory(prefix="todo-demo-") as name:
        folder = Path(name)
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        environment = {key: value for key, value in os.environ.items() if key in PASSED_THROUGH} | {
            "BETTER_AUTH_SECRET": secrets.token_urlsafe(48),
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'demo.db'}",
            # The server's own lines would interleave with the walk; they go to a file, shown if start-up fails.
            "LOG_LEVEL": "WARNING",
            **settings,
        }
        log_path = folder / "server.log"
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--app-dir",
            str(PROJECT_ROOT),
            "--no-access-log",
        ]
        with log_path.open("wb") as log:
            # A fixed argv of our own (no shell), so S603's warning about untrusted input does not apply.
            process = subprocess.Popen(  # noqa: S603
                command, cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                _wait_until_ready(process, base_url, log_path)
                yield ThrowawayServer(base_url=base_url, folder=folder)
            finally:
                _stop(process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(f"the app exited with code {process.returncode} before it was ready{_tail(log_path)}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(READY_PATH).status_code == httpx.codes.OK:
                    return
            time.sleep(0.1)
    waited = f"{STARTUP_TIMEOUT_SECONDS:.0f} s"
    raise ServerError(f"{base_url}{READY_PATH} did not answer 200 within {waited}{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # uvicorn's graceful shutdown: the app's lifespan closes the database
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log_path: Path, lines: int = 20) -> str:
    try:
        text = log_path.read_text(errors="replace").strip()
    except OSError:
        return ""
    if not text:
        return " (it logged nothing)"
    return ":\n" + "\n".join("    " + line for line in text.splitlines()[-lines:])
