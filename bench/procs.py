"""The server processes the bench starts, and what /proc says about them (CPU ticks, resident memory).

Each server runs in a process group of its own, so a server with several workers (uvicorn's supervisor and the
workers it spawns) is measured as the whole group: CPU summed, resident memory both summed and per process.
"""

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
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
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
    workers: int = 1
    # When its last load (a measured run or a warm-up) ended, by time.monotonic(): how long it then sat idle
    # decides whether the app pings its pooled connections before the next run (DB_PING_IDLE_SECONDS).
    last_load_ended: float | None = None

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

    def start(self, name: str, database: str, env: dict[str, str], *, module: str | None, workers: int = 1) -> Server:
        """`uvicorn <module>` with `workers` workers; with no module, `python -m app.serving` (what `make serve`
        runs), which reads HOST, PORT and WORKERS from its environment."""
        port = free_port()
        log = WORK_DIR / "logs" / f"{slug(name)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        if module is None:
            command = [sys.executable, "-m", "app.serving"]
            env = env | {"HOST": HOST, "PORT": str(port), "WORKERS": str(workers)}
        else:
            command = [sys.executable, "-m", "uvicorn", module, "--host", HOST, "--port", str(port)]
            command += ["--loop", "uvloop", "--http", "httptools", "--workers", str(workers)]
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
        server = Server(name=name, port=port, database=database, process=process, log=log, workers=workers)
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


def stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (state first), or None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces; the numeric fields start after the last ')'.
    return stat.rsplit(")", 1)[1].split()


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of one process (all its threads), or None once it is gone or not visible."""
    fields = stat_fields(pid)
    return None if fields is None else int(fields[11]) + int(fields[12])


def group_members(group: int) -> list[int]:
    """The processes of one process group: a server started as its own group's leader and what it spawned."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields is not None and int(fields[2]) == group:
                members.append(int(entry.name))
    return members


def group_cpu_ticks(group: int) -> dict[int, int]:
    """utime + stime of each process in the group, by pid."""
    ticks = {pid: cpu_ticks(pid) for pid in group_members(group)}
    return {pid: value for pid, value in ticks.items() if value is not None}


def ticks_between(before: dict[int, int], after: dict[int, int]) -> int:
    """Ticks spent between two readings; a process born in between counts from zero."""
    return sum(value - before.get(pid, 0) for pid, value in after.items())


def rss_bytes(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except OSError:
        return None


@dataclass(frozen=True)
class PeakRss:
    largest: int  # the largest resident size any one process of the group reached
    group: int  # the largest sum over the group's processes at one sample


async def peak_rss(group: int, stop: asyncio.Event, every_seconds: float = 0.05) -> PeakRss:
    """Resident memory of the group's processes, sampled until `stop`. Members are listed once: a server's
    workers are started before it answers, and /proc is too large to walk 20 times a second."""
    members = group_members(group)
    largest = total = 0
    while True:
        sizes = [size for size in map(rss_bytes, members) if size is not None]
        largest, total = max([largest, *sizes]), max(total, sum(sizes))
        if stop.is_set():
            return PeakRss(largest=largest, group=total)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def slug(name: str) -> str:
    return "".join(character if character.isalnum() else "-" for character in name).strip("-")
