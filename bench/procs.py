"""The server processes the bench starts, and what /proc says about them (CPU ticks, resident memory)."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
WORK_DIR = REPO / ".bench"
HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STARTUP_SECONDS = 60.0
STOP_SECONDS = 10.0
# Passed through to the servers; everything else is left out, so a developer's LOG_LEVEL, DB_POOL_SIZE or
# RATE_LIMIT_* never changes what is measured.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


class HarnessError(RuntimeError):
    """The bench itself could not do its job (as opposed to a target being missed)."""


@dataclass
class Server:
    name: str
    port: int
    database: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Processes:
    """Every server started, so that one call stops them all, whatever went wrong."""

    running: list[Server] = field(default_factory=list)

    def start(self, name: str, module: str, database: str, env: dict[str, str]) -> Server:
        port = free_port()
        log = WORK_DIR / "logs" / f"{slug(name)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "uvicorn", module, "--host", HOST, "--port", str(port)]
        command += ["--loop", "uvloop", "--http", "httptools", "--workers", "1"]
        base = {key: os.environ[key] for key in INHERITED_ENV if key in os.environ}
        with log.open("wb") as sink:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                command,
                # The work directory has no .env, so the app sees its defaults plus exactly what we set.
                cwd=WORK_DIR,
                env=base | {"PYTHONPATH": str(REPO)} | env,
                stdout=sink,
                stderr=sink,
                # Its own process group: stopping it can never touch anything we did not start.
                start_new_session=True,
            )
        server = Server(name=name, port=port, database=database, process=process, log=log)
        self.running.append(server)
        return server

    async def stop(self, server: Server) -> None:
        if server in self.running:
            self.running.remove(server)
        await asyncio.to_thread(stop_group, server.process)

    async def stop_all(self) -> None:
        for server in list(self.running):
            await self.stop(server)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, then SIGKILL after STOP_SECONDS."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)
    except ProcessLookupError:
        pass


async def wait_until_ready(server: Server, path: str) -> None:
    """Polls `path` until it answers 200; fails with the log's tail if the server dies or never gets there."""
    deadline = time.monotonic() + STARTUP_SECONDS
    async with httpx.AsyncClient(base_url=server.url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise HarnessError(f"{server.name} exited at start-up:\n{tail(server.log)}")
            try:
                if (await client.get(path)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise HarnessError(f"{server.name} was not ready within {STARTUP_SECONDS:.0f}s:\n{tail(server.log)}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of one process (all its threads), or None once it is gone or not visible."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces; the numeric fields start after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_bytes(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


async def peak_rss(pid: int, stop: asyncio.Event, every_seconds: float = 0.05) -> int:
    """The largest VmRSS seen between now and `stop`."""
    peak = 0
    while not stop.is_set():
        peak = max(peak, rss_bytes(pid) or 0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)
    return max(peak, rss_bytes(pid) or 0)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def slug(name: str) -> str:
    return "".join(character if character.isalnum() else "-" for character in name).strip("-")
