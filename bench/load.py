"""Driving a server: wrk runs with everything measured around them, and the sign-in storm."""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from bench.postgres import TransactionCount, TransactionLedger, connections_opened, pg_cpu_ticks, pg_snapshot
from bench.procs import (
    CLOCK_TICKS,
    REPO,
    WORK_DIR,
    HarnessError,
    Server,
    group_cpu_ticks,
    peak_rss,
    slug,
    ticks_between,
)
from bench.round_trips import segments_between, segments_now

LUA_DIR = REPO / "bench" / "lua"
DATA_DIR = WORK_DIR / "data"
RESULT_MARKER = "BENCH_RESULT "
# wrk's default is 2 s. 10 s lets a starved but answering request show as a latency (p99.9, max, the share over
# 5 s) instead of vanishing into a timeout count; issue 17 asks for at least 10 s.
WRK_TIMEOUT = "10s"
# The share of latencies over this is reported apart: starved requests, whatever p99 says.
SLOW_MS = 5000
WRK_THREADS = 2  # one per core; the server and PostgreSQL share the same two


@dataclass(frozen=True)
class Workload:
    name: str
    script: str
    files: tuple[str, ...]  # data files under DATA_DIR, passed to the script as its args


WORKLOADS = {
    "list": Workload("list", "list.lua", ("readers.txt",)),
    "get": Workload("get", "get.lua", ("tasks.txt",)),
    "create": Workload("create", "create.lua", ("writers.txt",)),
    "update": Workload("update", "update.lua", ("tasks.txt",)),
    "toggle": Workload("toggle", "toggle.lua", ("tasks.txt",)),
    "mixed": Workload("mixed", "mixed.lua", ("tasks.txt", "writers.txt")),
}
# The cost of the conditional-request headers (issue 17): the same requests, each carrying a header that makes the
# app do its work but never short-cuts it (a tag that matches nothing; a key never seen before).
HEADER_VARIANTS = {
    'If-None-Match: "nomatch"': ("get", Workload("get, If-None-Match", "get_if_none_match.lua", ("tasks.txt",))),
    "a new Idempotency-Key each": (
        "create",
        Workload("create, Idempotency-Key", "create_idempotency_key.lua", ("writers.txt",)),
    ),
}


@dataclass(frozen=True)
class Run:
    section: str
    workload: str
    target: str
    connections: int
    round: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    slow_pct: float  # the share of wrk's latency histogram over SLOW_MS (see share_above in lua/common.lua)
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    server_cpu_s: float | None  # the server's whole process group: a supervisor and its workers
    pg_cpu_s: float | None
    peak_rss_mb: float  # the largest any one process of the server reached
    group_rss_mb: float  # the largest sum over the server's processes (the same as above for one worker)
    connections_opened: int
    transactions: TransactionCount  # committed or rolled back in the server's database
    round_trips: int | None  # TCP data segments the server sent to PostgreSQL (bench/round_trips.py)
    idle_before_s: float | None  # how long the server had sat idle before the run (None: never loaded before)
    workers: int = 1

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> dict[int, int]:
        return {status: count for status, count in sorted(self.statuses.items()) if not 200 <= status < 300}

    @property
    def errors(self) -> int:
        return sum(self.non_2xx.values()) + sum(self.socket_errors.values())


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package first when it is missing (a fresh machine has none)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it with apt-get", flush=True)
    if apt_get("install", "-y", "-q", "wrk") != 0:
        # A fresh machine's package lists may be empty or stale.
        apt_get("update", "-q")
        apt_get("install", "-y", "-q", "wrk")
    found = shutil.which("wrk")
    if not found:
        raise HarnessError("wrk is not installed and `apt-get install -y wrk` did not install it")
    return found


def apt_get(*arguments: str) -> int:
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", *arguments]
    return subprocess.run(command, stdout=subprocess.DEVNULL, env=environment, check=False).returncode  # noqa: S603


def wrk_version(wrk: str) -> str:
    result = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return (result.stdout or result.stderr).splitlines()[0].strip() if (result.stdout or result.stderr) else "?"


async def run_wrk(
    wrk: str, server: Server, workload: Workload, connections: int, seconds: float, *, log_name: str
) -> dict[str, Any]:
    """One bounded wrk run; returns the JSON line the Lua `done()` printed. Its full output goes to .bench/wrk/."""
    command = [wrk, f"-t{min(WRK_THREADS, connections)}", f"-c{connections}", f"-d{seconds:g}s"]
    command += ["--timeout", WRK_TIMEOUT, "--latency", "-s", str(LUA_DIR / workload.script), server.url, "--"]
    command += [str(DATA_DIR / name) for name in workload.files]
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=os.environ | {"BENCH_LUA_DIR": str(LUA_DIR), "BENCH_SLOW_US": str(SLOW_MS * 1000)},
        start_new_session=True,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=seconds + 60)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    text = output.decode(errors="replace")
    log = WORK_DIR / "wrk" / f"{slug(log_name)}.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(" ".join(command) + "\n\n" + text)
    for line in text.splitlines():
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER) :])  # type: ignore[no-any-return]
    raise HarnessError(f"wrk printed no result (exit {process.returncode}); see {log}:\n{text[-2000:]}")


@dataclass(frozen=True)
class Instruments:
    """What every run is measured with."""

    wrk: str
    admin: asyncpg.Connection
    ledger: TransactionLedger
    pg_port: int  # the port the servers' database connections go to, for counting their round trips


async def measure(
    instruments: Instruments,
    server: Server,
    workload: Workload,
    *,
    section: str,
    connections: int,
    seconds: float,
    round_number: int = 1,
) -> Run:
    """A wrk run with the server's CPU, peak RSS and round trips to PostgreSQL, and PostgreSQL's CPU, sessions
    and transactions, around it."""
    if server.process.poll() is not None:
        raise HarnessError(f"{server.name} is no longer running; see {server.log}")
    admin, ledger = instruments.admin, instruments.ledger
    await ledger.wait_if_nearly_settled(server.database)
    idle_before = None if server.last_load_ended is None else time.monotonic() - server.last_load_ended
    pg_before = await pg_snapshot(admin, server.database)
    ledger.before_run(server.database, pg_before, time.monotonic())
    cpu_before = group_cpu_ticks(server.pid)
    segments_before = await segments_now(set(cpu_before), instruments.pg_port)
    stop_sampling = asyncio.Event()
    sampler = asyncio.create_task(peak_rss(server.pid, stop_sampling))
    try:
        name = f"{section}-{workload.name}-{server.name}-c{connections}-r{round_number}"
        result = await run_wrk(instruments.wrk, server, workload, connections, seconds, log_name=name)
    finally:
        stop_sampling.set()
        peak = await sampler
        server.last_load_ended = ended = time.monotonic()
    cpu_after = group_cpu_ticks(server.pid)
    segments = segments_between(segments_before, await segments_now(set(cpu_after), instruments.pg_port))
    cpu = ticks_between(cpu_before, cpu_after)
    pg_after = await pg_snapshot(admin, server.database)
    pg_ticks = pg_cpu_ticks(pg_before, pg_after)
    return Run(
        section=section,
        workload=workload.name,
        target=server.name,
        connections=connections,
        round=round_number,
        requests=int(result["requests"]),
        seconds=int(result["duration_us"]) / 1e6,
        p50_ms=int(result["p50_us"]) / 1000,
        p99_ms=int(result["p99_us"]) / 1000,
        p999_ms=int(result["p999_us"]) / 1000,
        max_ms=int(result["max_us"]) / 1000,
        slow_pct=float(result["slow_pct"]),
        statuses={int(status): int(count) for status, count in result["statuses"].items()},
        socket_errors={kind: int(count) for kind, count in result["errors"].items() if count},
        server_cpu_s=cpu / CLOCK_TICKS if cpu_before else None,
        pg_cpu_s=pg_ticks / CLOCK_TICKS if pg_ticks is not None else None,
        peak_rss_mb=peak.largest / 2**20,
        group_rss_mb=peak.group / 2**20,
        connections_opened=connections_opened(pg_before, pg_after),
        transactions=ledger.after_run(server.database, pg_before, pg_after, ended),
        round_trips=segments,
        idle_before_s=idle_before,
        workers=server.workers,
    )


async def sign_in_storm(url: str, credentials: list[dict[str, str]], workers: int, seconds: float) -> Counter[str]:
    """`workers` clients signing in back to back (each one bcrypt check at the app's cost) for `seconds`.

    Returns the answers by status ("error" for a transport failure). Bounded by its deadline; the caller may
    also cancel it.
    """
    answers: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as client:

        async def sign_in_repeatedly(worker: int) -> None:
            body = credentials[worker % len(credentials)]
            while time.monotonic() < deadline:
                try:
                    response = await client.post("/api/auth/signin", json=body)
                    answers[str(response.status_code)] += 1
                except httpx.HTTPError:
                    answers["error"] += 1

        await asyncio.gather(*(sign_in_repeatedly(worker) for worker in range(workers)))
    return answers
