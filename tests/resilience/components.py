"""Real components the resilience tests start and stop themselves: a PostgreSQL cluster, PgBouncer, a TCP proxy
that plays a serverless compute going to sleep, and the app as a `uvicorn` process.

Every one of them listens on 127.0.0.1 on a free port and is stopped at teardown whatever happened.
"""

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tools.cluster.pgbouncer import (
    POSTGRES_OS_USER,
    hand_to_postgres_user,
    pgbouncer_command,
    pgbouncer_ini,
    write_auth_file,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl live, or None when this machine has no PostgreSQL server binaries."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            candidates.append(Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((path for path in candidates if (path / "initdb").is_file() and (path / "pg_ctl").is_file()), None)


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", POSTGRES_OS_USER, "--", *command]
    return command


def _owned_temp_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, POSTGRES_OS_USER, POSTGRES_OS_USER)
    return path


class PostgresCluster:
    """A throwaway cluster in a temp dir: trust auth on 127.0.0.1, stopped and started at will."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = _owned_temp_dir("todo-resilience-pg-")
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )

    def start(self) -> None:
        # Never an OS crash here, so fsync buys nothing; a clean stop still checkpoints everything to disk.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        self._run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    # The async forms keep the event loop turning while pg_ctl waits, as a real server's loop would: the driver
    # then sees the server close its pooled connections.
    async def start_async(self) -> None:
        await asyncio.to_thread(self.start)

    async def stop_async(self, mode: str = "fast") -> None:
        await asyncio.to_thread(self.stop, mode)

    @property
    def running(self) -> bool:
        status = subprocess.run(
            _as_postgres_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def destroy(self) -> None:
        if self.data.exists() and self.running:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, command: list[str]) -> None:
        subprocess.run(_as_postgres_user(command), check=True, capture_output=True, timeout=60)


class PgBouncer:
    """PgBouncer in transaction mode (what Neon's `-pooler` endpoint is) in front of one PostgreSQL server."""

    def __init__(self, binary: str, *, upstream_port: int, pool_size: int = 20) -> None:
        self.binary = binary
        self.root = _owned_temp_dir("todo-resilience-pgbouncer-")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.ini = self.root / "pgbouncer.ini"
        auth_file = self.root / "users.txt"
        write_auth_file(auth_file, ["postgres"])
        self.ini.write_text(
            pgbouncer_ini(
                databases={"*": f"host=127.0.0.1 port={upstream_port}"},
                listen_port=self.port,
                auth_file=auth_file,
                pool_size=pool_size,
                unix_socket_dir=self.root,
                logfile=self.root / "pgbouncer.log",
            )
        )
        hand_to_postgres_user(self.root)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            pgbouncer_command(self.binary, self.ini), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, process=self.process)

    def stop(self) -> None:
        if self.process is not None:
            end_process(self.process, signal.SIGTERM)
        shutil.rmtree(self.root, ignore_errors=True)


def end_process(process: subprocess.Popen[bytes], gently: signal.Signals, timeout: float = 15.0) -> None:
    """Asks a process this test started to stop, then makes sure it has."""
    if process.poll() is not None:
        return
    process.send_signal(gently)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_answering(
    url: str, *, what: str, stopped: Callable[[], bool], log: Callable[[], str], timeout: float
) -> None:
    """Until `url` answers 200. Fails the test, with the server's log, as soon as it stops or once `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stopped():
            pytest.fail(f"{what} stopped before it was ready:\n{log()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"{what} was not ready within {timeout} s:\n{log()[-4000:]}")


def wait_for_port(port: int, *, process: subprocess.Popen[bytes] | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout}s")


class SleepyProxy:
    """A TCP proxy that behaves like a serverless database endpoint (Neon) in front of a real server.

    `suspend()` drops every open connection, as a compute going to sleep does; the next connection then waits
    `wake_delay` seconds (the compute waking) before it is joined to the server. `freeze()` is a network
    partition instead: nothing is closed, nothing gets through, until `thaw()`.
    """

    def __init__(self, upstream_port: int, *, wake_delay: float = 0.7) -> None:
        self.upstream_port = upstream_port
        self.wake_delay = wake_delay
        self.port = 0
        self.asleep = False
        self.wakes = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._waking: asyncio.Lock = asyncio.Lock()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def suspend(self) -> None:
        self.asleep = True
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await asyncio.sleep(0)

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        self.thaw()
        await self.suspend()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        accepting = asyncio.current_task()
        assert accepting is not None
        self._pipes.add(accepting)
        self._writers.add(client_writer)
        try:
            await self._join(client_reader, client_writer)
        except asyncio.CancelledError:
            # Swallowed on purpose: asyncio's stream callback would log a cancelled task as an error.
            client_writer.transport.abort()
        finally:
            self._pipes.discard(accepting)

    async def _join(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        await self._flowing.wait()
        async with self._waking:
            if self.asleep:
                await asyncio.sleep(self.wake_delay)
                self.asleep = False
                self.wakes += 1
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.add(server_writer)
        for source, target in ((client_reader, server_writer), (server_reader, client_writer)):
            pipe = asyncio.create_task(self._pipe(source, target))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65_536):
                await self._flowing.wait()
                target.write(chunk)
                await target.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            target.transport.abort()
            self._writers.discard(target)


def server_environment(database_url: str, **overrides: str) -> dict[str, str]:
    """What a deployment would set, with test-speed hashing and no rate limits."""
    from tests.conftest import TEST_SECRET

    return {
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "AUTO_MIGRATE": "true",
        "APP_ENV": "test",
        "BCRYPT_ROUNDS": "4",
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "text",
    } | overrides


class UvicornProcess:
    """`uvicorn app.main:app` as a separate process, configured through its environment like production."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.port = free_port()
        self.environment = {**os.environ, **environment}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="todo-uvicorn-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, process=self.process, timeout=30)

    def stop(self) -> None:
        if self.process is not None:
            end_process(self.process, signal.SIGTERM)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/health/ready", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"{self.base_url} was not ready within {timeout}s:\n{self.output()[-2000:]}")


@contextlib.contextmanager
def uvicorn_process(environment: dict[str, str]) -> Iterator[UvicornProcess]:
    server = UvicornProcess(environment)
    try:
        yield server
    finally:
        server.stop()
        server.log.unlink(missing_ok=True)
