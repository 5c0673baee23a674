"""`make bench`: the app against a bare floor, side by side, on fresh PostgreSQL databases.

    .venv/bin/python -m bench [--seconds 10] [--rounds 2] [--output bench/results.md]
                              [--phases floor,high,workers,sign-in,cost,scale] [--workloads list,get,...]

Exit status 0 whenever the bench ran, whether or not the targets were met (results.md says which); non-zero only
when the harness itself failed. Every process and database it creates is removed on the way out.
"""

import argparse
import asyncio
import contextlib
import datetime
import os
import platform
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

if __package__ in (None, ""):  # `python bench/run.py`: make the repository importable as `python -m bench` does
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.figures import APP, FLOOR, ORDER, Results, floor_name, served_name
from bench.load import (
    DATA_DIR,
    HEADER_VARIANTS,
    SLOW_MS,
    WORKLOADS,
    WRK_TIMEOUT,
    Instruments,
    Run,
    Workload,
    ensure_wrk,
    measure,
    sign_in_storm,
    wrk_version,
)
from bench.postgres import (
    Databases,
    TransactionLedger,
    admin_url,
    connect_admin,
    database_url,
    fill_for_scale,
    free_connections,
    held_connections,
    server_facts,
    wait_for_room,
)
from bench.procs import REPO, WORK_DIR, HarnessError, Processes, Server, wait_until_ready
from bench.report import render
from bench.seed import PASSWORD, Account, OwnedTask, create_tasks, sign_up_many, write_lines

PHASES = ("floor", "high", "workers", "sign-in", "cost", "scale")
VARIANTS = {
    "rate limit on": {"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_API": "1000000/minute"},
    "access log off": {"LOG_LEVEL": "WARNING"},
}
# Only a token lifetime longer than the default 15 minutes: seeded tokens must outlive a slow run.
TOKEN_MINUTES = "120"
SETTLE_SECONDS = 1.5
DEFAULT_PG_PORT = 5432
T = TypeVar("T")


@dataclass(frozen=True)
class Config:
    # Issue 17: long enough for a starved request to show (wrk's --timeout is as long, see load.WRK_TIMEOUT).
    seconds: float = 10.0
    warmup_seconds: float = 3.0
    rounds: int = 2
    connections: int = 100
    high_connections: tuple[int, ...] = (500, 1000)
    workers: int = 2  # the served configuration and the floor, against their 1-worker selves
    workers_rounds: int = 1  # 4 servers x 6 workloads already make this the longest phase
    phases: tuple[str, ...] = PHASES
    workloads: tuple[str, ...] = ORDER
    readers: int = 100
    tasks_per_reader: int = 50
    writers: int = 20
    sign_in_clients: int = 20
    scale_sizes: tuple[int, ...] = (10, 1_000, 10_000)
    scale_rows: int = 1_000_000
    scale_users: int = 10_000
    scale_connections: int = 4
    # The probe measures the cost of one list at 4 connections, where nothing queues: 5 s runs suffice there.
    scale_seconds: float = 5.0
    # None: the app's default. Interleaving leaves each app idle for longer than that default (10 s) before most
    # of its runs, so it pings its pooled connections as each run starts; README, "Idle, then a burst".
    ping_idle_seconds: float | None = None
    output: Path = REPO / "bench" / "results.md"


@dataclass
class Bench:
    config: Config
    wrk: str
    admin: asyncpg.Connection
    admin_url: str
    processes: Processes
    databases: Databases
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    pool_size: int = 20
    ledger: TransactionLedger = field(default_factory=TransactionLedger)

    @property
    def instruments(self) -> Instruments:
        return Instruments(self.wrk, self.admin, self.ledger, urlsplit(self.admin_url).port or DEFAULT_PG_PORT)

    def app_env(self, database: str, **extra: str) -> dict[str, str]:
        url = database_url(self.admin_url, database)
        base = {"BETTER_AUTH_SECRET": self.secret, "DATABASE_URL": url, "RATE_LIMIT_ENABLED": "false"}
        base |= {"ACCESS_TOKEN_EXPIRE_MINUTES": TOKEN_MINUTES}
        if self.config.ping_idle_seconds is not None:
            base |= {"DB_PING_IDLE_SECONDS": f"{self.config.ping_idle_seconds:g}"}
        return base | extra

    async def start_app(self, name: str, database: str, **extra: str) -> Server:
        """`uvicorn app.main:app --workers 1`, the app as measured against the floor since issue 9."""
        env = self.app_env(database, **extra)
        server = self.processes.start(name, database, env, module="app.main:app")
        await wait_until_ready(server, "/health/ready")
        return server

    async def start_served(self, database: str, workers: int) -> Server:
        """`python -m app.serving` (what `make serve` runs) with WORKERS workers under uvicorn's supervisor."""
        server = self.processes.start(
            served_name(workers), database, self.app_env(database), module=None, workers=workers
        )
        await wait_until_ready(server, "/health/ready")
        return server

    async def start_floor(self, name: str, database: str, workers: int = 1) -> Server:
        env = {"BETTER_AUTH_SECRET": self.secret, "DATABASE_URL": database_url(self.admin_url, database)}
        env |= {"DB_POOL_SIZE": str(self.pool_size)}
        server = self.processes.start(name, database, env, module="bench.floor:app", workers=workers)
        await wait_until_ready(server, "/health")
        return server

    async def run(
        self,
        server: Server,
        workload: Workload,
        section: str,
        connections: int,
        round_number: int,
        seconds: float | None = None,
    ) -> Run:
        return await measure(
            self.instruments,
            server,
            workload,
            section=section,
            connections=connections,
            seconds=seconds or self.config.seconds,
            round_number=round_number,
        )

    async def warm_up(self, server: Server, workload: str = "mixed", connections: int | None = None) -> None:
        """Fills the pool and the statement caches, so no run after it should open a connection."""
        await measure(
            self.instruments,
            server,
            WORKLOADS[workload],
            section="warm-up",
            connections=connections or self.config.connections,
            seconds=self.config.warmup_seconds,
        )
        # PostgreSQL reports a busy backend's statistics (its session count among them) once it idles; waiting
        # here keeps the warm-up's connections out of the first measured run's count.
        await asyncio.sleep(SETTLE_SECONDS)

    async def start_and_warm(self, database: str, start: Awaitable[Server], results: Results) -> Server:
        """Starts a server (`start`, not yet awaited) on `database`, warms it up, and records the connections it
        then holds: the growth of the database's client connections, since another server may share it."""
        before = await held_connections(self.admin, database)
        server = await start
        log(f"warming up {server.name}")
        await self.warm_up(server)
        results.held_after_warmup[server.name] = await held_connections(self.admin, database) - before
        return server


@dataclass(frozen=True)
class Seeded:
    readers: list[Account]
    writers: list[Account]
    probes: dict[int, Account]
    tasks: list[OwnedTask]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def app_default(setting: str, fallback: float) -> float:
    """One of the app's default settings (its pool size, so the floor holds as many connections); `fallback` if
    the setting moved."""
    try:
        from app.shared.settings import Settings

        return float(Settings.model_fields[setting].default)
    except Exception:
        return fallback


async def seed(bench: Bench, app: Server) -> Seeded:
    config = bench.config
    readers = await sign_up_many(app.url, "reader", config.readers)
    writers = await sign_up_many(app.url, "writer", config.writers)
    probe_accounts = await sign_up_many(app.url, "probe", len(config.scale_sizes))
    log(f"{len(readers) + len(writers) + len(probe_accounts)} users signed up; creating tasks")
    tasks = await create_tasks(app.url, readers, config.tasks_per_reader)
    probes = dict(zip(config.scale_sizes, probe_accounts, strict=True))
    write_lines(DATA_DIR / "readers.txt", (account.token for account in readers))
    write_lines(DATA_DIR / "writers.txt", (account.token for account in writers))
    write_lines(DATA_DIR / "tasks.txt", (f"{task.account.token} {task.task_id}" for task in tasks))
    for size, account in probes.items():
        write_lines(DATA_DIR / f"scale-{size}.txt", [account.token])
    return Seeded(readers=readers, writers=writers, probes=probes, tasks=tasks)


async def against_the_floor(bench: Bench, app: Server, floor: Server, results: Results) -> None:
    """Each workload on app then floor, round after round, so drift on a noisy machine hits both alike."""
    for round_number in range(1, bench.config.rounds + 1):
        for name in bench.config.workloads:
            for server in (app, floor):
                log(f"round {round_number}: {name} on {server.name}")
                run = await bench.run(server, WORKLOADS[name], "floor", bench.config.connections, round_number)
                results.main.append(run)
    # The capacity inputs read the app's transactions. The floor ran last, so this waits for nothing.
    await bench.ledger.settle(bench.admin, app.database)


async def high_concurrency(bench: Bench, app: Server, results: Results) -> None:
    await bench.warm_up(app)  # it sat idle while the floor ran
    for connections in bench.config.high_connections:
        for name in bench.config.workloads:
            log(f"{connections} connections: {name} on app")
            results.high.append(await bench.run(app, WORKLOADS[name], "high", connections, 1))


async def workers_scaling(bench: Bench, app: Server, floor: Server, results: Results) -> None:
    """The served configuration (`python -m app.serving`, as `make serve` runs it) with 1 and with N workers, and
    the floor with 1 and N, each workload on each in turn: how throughput grows with workers on this machine.

    The served app with 1 worker, not the `uvicorn app.main:app` measured above, so that 1 and N workers differ
    only in WORKERS. The served apps share the app's database, the floors the floor's. When PostgreSQL has room
    for all four at once they take turns together; otherwise the floors take turns, then the served apps.
    """
    n = bench.config.workers
    # name -> (database, how to start it); the floor with one worker is already running.
    starts: dict[str, tuple[str, Callable[[], Awaitable[Server]]]] = {
        floor_name(n): (floor.database, lambda: bench.start_floor(floor_name(n), floor.database, workers=n)),
        served_name(n): (app.database, lambda: bench.start_served(app.database, n)),
        served_name(1): (app.database, lambda: bench.start_served(app.database, 1)),
    }
    order = [served_name(1), FLOOR, served_name(n), floor_name(n)]
    # The pools the three new servers hold: each worker's pool, and the app's migration engine per worker.
    room_for_all = (n + 1) * (bench.pool_size + 1) + n * bench.pool_size
    if await free_connections(bench.admin) >= room_for_all:
        results.settings["workers phase"] = "all four servers up, taking turns"
        groups = [order]
    else:
        results.settings["workers phase"] = (
            "in two groups for lack of PostgreSQL connections: the floors taking turns, then the served apps"
        )
        groups = [[FLOOR, floor_name(n)], [served_name(1), served_name(n)]]
    for group in groups:
        await take_turns(bench, group, {FLOOR: floor}, starts, results)
        if FLOOR in group and len(groups) > 1:
            await bench.processes.stop(floor)  # done with, and its connections are wanted for the next group
    await bench.ledger.settle(bench.admin, app.database)


async def take_turns(
    bench: Bench,
    names: list[str],
    running: dict[str, Server],
    starts: dict[str, tuple[str, Callable[[], Awaitable[Server]]]],
    results: Results,
) -> None:
    """Starts the servers of `names` not yet running, then runs each workload on each in that order."""
    config = bench.config
    started: list[Server] = []
    try:
        # In the reverse of the order they first run in, so the first is not left idle while the others warm up.
        for name in reversed(names):
            if name not in running:
                database, start = starts[name]
                running[name] = await bench.start_and_warm(database, start(), results)
                started.append(running[name])
        for round_number in range(1, config.workers_rounds + 1):
            for workload in config.workloads:
                for name in names:
                    log(f"workers round {round_number}: {workload} on {name}")
                    run = await bench.run(
                        running[name], WORKLOADS[workload], "workers", config.connections, round_number
                    )
                    results.workers.append(run)
    finally:
        for server in started:
            await bench.processes.stop(server)


async def sign_ins_under_load(bench: Bench, app: Server, seeded: Seeded, results: Results) -> None:
    """The get workload alone, then while sign-ins run back to back, alternating."""
    config = bench.config
    credentials = [{"email": account.email, "password": PASSWORD} for account in seeded.writers]
    lead = 1.0  # the storm starts first, so the bcrypt queue is full when wrk begins
    results.sign_in_seconds = config.seconds + lead
    await bench.warm_up(app, "get")  # it sat idle through the phase before
    for round_number in range(1, config.rounds + 1):
        log(f"sign-in round {round_number}: get alone")
        results.sign_in.append(await bench.run(app, WORKLOADS["get"], "sign-in", config.connections, round_number))
        log(f"sign-in round {round_number}: get with {config.sign_in_clients} clients signing in")
        storm = asyncio.create_task(sign_in_storm(app.url, credentials, config.sign_in_clients, config.seconds + lead))
        try:
            await asyncio.sleep(lead)
            busy = await bench.run(app, WORKLOADS["get"], "sign-in", config.connections, round_number)
            results.sign_in.append(replace(busy, target=f"app + {config.sign_in_clients} sign-ins"))
            results.sign_in_answers.append(await storm)
        finally:
            storm.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await storm


async def cost_rows(bench: Bench, app: Server, results: Results) -> None:
    """Settings: each variant runs beside the default app on the same database, get on each, interleaved.
    Headers: the same app, the workload with and without them, interleaved."""
    config = bench.config
    for variant, env in VARIANTS.items():
        log(f"cost row: {variant}")
        other = await bench.start_app(f"app, {variant}", app.database, **env)
        try:
            # Both: the default app sat idle while the variant started. From here on each idles for a run of the
            # other between its own, longer than DB_PING_IDLE_SECONDS, except where the order turns round;
            # turning it round each round gives both sides as many runs after such a wait.
            for server in (app, other):
                await bench.warm_up(server, "get")
            rows = results.cost.setdefault(f"{variant} (get)", [])
            for round_number in range(1, config.rounds + 1):
                section = f"cost: {variant}"
                runs = {
                    server.name: await bench.run(server, WORKLOADS["get"], section, config.connections, round_number)
                    for server in alternating((app, other), round_number)
                }
                rows.append((runs[app.name], runs[other.name]))
        finally:
            await bench.processes.stop(other)
    for variant, (workload, with_headers) in HEADER_VARIANTS.items():
        log(f"cost row: {variant} ({workload})")
        await bench.warm_up(app, workload)
        rows = results.cost.setdefault(f"{variant} ({workload})", [])
        for round_number in range(1, config.rounds + 1):
            runs = {
                load.name: await bench.run(app, load, f"cost: {variant}", config.connections, round_number)
                for load in alternating((WORKLOADS[workload], with_headers), round_number)
            }
            rows.append((runs[workload], runs[with_headers.name]))


def alternating(pair: tuple[T, T], round_number: int) -> tuple[T, T]:
    """The pair in order in odd rounds, turned round in even ones (A B, B A, …), so that a drift of the machine
    during a cost row, or the first run's place, favours neither side."""
    return pair if round_number % 2 else (pair[1], pair[0])


async def scale_probe(bench: Bench, app: Server, seeded: Seeded, results: Results) -> None:
    """One user's list with 10 / 1 000 / 10 000 tasks while the table holds a million rows.

    The floor runs on the app's database here (a list changes nothing), so the probed tokens are valid for both.
    Few connections: the point is the cost of one list, not a queue in front of it.
    """
    config = bench.config
    log(f"scale probe: filling tasks to {config.scale_rows:,} rows with SQL")
    owners = {account.user_id: size for size, account in seeded.probes.items()}
    url = database_url(bench.admin_url, app.database)
    results.scale_rows = await fill_for_scale(url, owners, config.scale_rows, config.scale_users)
    floor = await bench.start_floor("floor (app's database)", app.database)
    try:
        probes = {size: Workload(f"{size:,} tasks", "list.lua", (f"scale-{size}.txt",)) for size in config.scale_sizes}
        middle = probes[config.scale_sizes[len(config.scale_sizes) // 2]]
        for server in (app, floor):
            await measure(bench.instruments, server, middle, section="warm-up", connections=2, seconds=1)
        for size, workload in probes.items():
            for server in (app, floor):
                log(f"scale probe: list of {size:,} on {server.name}")
                run = await bench.run(server, workload, "scale", config.scale_connections, 1, config.scale_seconds)
                results.scale.append(run)
    finally:
        await bench.processes.stop(floor)


async def machine_facts(bench: Bench) -> dict[str, str]:
    pg = await server_facts(bench.admin)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "CPU": cpu_model(),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "Python": platform.python_version(),
        "PostgreSQL": f"{pg['version']} (max_connections {pg['max_connections']})",
        "wrk": wrk_version(bench.wrk),
        "commit": f"{commit()} (plus whatever the work tree changed)",
    }


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def commit() -> str:
    # rev-parse only reads: it takes no index lock, so it cannot disturb a commit being made meanwhile.
    git = ["git", "rev-parse", "--short", "HEAD"]
    return subprocess.run(git, cwd=REPO, capture_output=True, text=True, check=False).stdout.strip() or "?"  # noqa: S603


def settings_facts(bench: Bench) -> dict[str, str]:
    config = bench.config
    return {
        "servers": "`uvicorn … --loop uvloop --http httptools --workers 1`, one at a time under load; in the "
        f"workers phase also `python -m app.serving` with WORKERS=1 and {config.workers}, and the floor with "
        f"--workers {config.workers}",
        "app": "defaults (access log on) + RATE_LIMIT_ENABLED=false, a random BETTER_AUTH_SECRET, "
        f"ACCESS_TOKEN_EXPIRE_MINUTES={TOKEN_MINUTES}"
        + ("" if config.ping_idle_seconds is None else f", DB_PING_IDLE_SECONDS={config.ping_idle_seconds:g}"),
        "floor": f"bench/floor.py, asyncpg pool of {bench.pool_size} per worker (the app's DB_POOL_SIZE default)",
        "connections": str(config.connections),
        "run length": f"{config.seconds:g} s per run ({config.scale_seconds:g} s in the scale probe), warm-up "
        f"{config.warmup_seconds:g} s, rounds: {config.rounds} ({config.workers_rounds} in the workers phase)",
        "wrk": f"2 threads, --timeout {WRK_TIMEOUT}, --latency; requests over {SLOW_MS / 1000:g} s counted apart",
        "data": f"{config.readers} readers x {config.tasks_per_reader} tasks, {config.writers} writers "
        "(creates go to writers, whom nobody lists, so lists stay at 50)",
        "mixed": "30% list, 30% get, 20% create, 10% update, 10% toggle",
        "sign-in clients": str(config.sign_in_clients),
        "scale probe": f"{config.scale_connections} connections, {config.scale_users:,} other users",
        "phases": ", ".join(config.phases),
        "workloads": ", ".join(config.workloads),
    }


async def bench_all(config: Config) -> Results:
    for previous in ("data", "logs", "wrk"):  # what an earlier run left, so every file here is this run's
        shutil.rmtree(WORK_DIR / previous, ignore_errors=True)
    WORK_DIR.mkdir(exist_ok=True)
    wrk = ensure_wrk()
    url = admin_url()
    admin = await connect_admin(url)
    await wait_for_room(admin, lambda free: log(f"waiting: PostgreSQL has only {free} free connections"))
    processes = Processes()
    databases = Databases(admin)
    bench = Bench(config, wrk, admin, url, processes, databases, pool_size=int(app_default("db_pool_size", 20)))
    try:
        results = Results(
            facts=await machine_facts(bench),
            settings=settings_facts(bench),
            ping_idle_seconds=config.ping_idle_seconds or app_default("db_ping_idle_seconds", 10.0),
            connections=config.connections,
            high_connections=config.high_connections,
            workers_count=config.workers,
            pool_size=bench.pool_size,
        )
        await phases(bench, results)
        return results
    finally:
        await processes.stop_all()
        await databases.drop_all()
        await admin.close()


async def phases(bench: Bench, results: Results) -> None:
    wanted = bench.config.phases
    app_db = await bench.databases.create("app")
    log(f"starting the app on {app_db}; it migrates itself")
    seeding = await bench.start_app("app (seeding)", app_db)
    log("seeding through the API (sign-ups are bcrypt at cost 12)")
    seeded = await timed(results, "seeding", seed(bench, seeding))
    await bench.processes.stop(seeding)
    # The floor starts from a copy of exactly what the app was seeded with: same users, sign-ins, tasks.
    floor_db = await bench.databases.create("floor", template=app_db)
    # The app last: warmed, it must not then sit idle for DB_PING_IDLE_SECONDS while the floor starts.
    floor = await bench.start_and_warm(floor_db, bench.start_floor(FLOOR, floor_db), results)
    app = await bench.start_and_warm(app_db, bench.start_app(APP, app_db), results)
    steps: dict[str, Callable[[], Awaitable[None]]] = {
        "floor": lambda: against_the_floor(bench, app, floor, results),
        "high": lambda: high_concurrency(bench, app, results),
        "workers": lambda: workers_scaling(bench, app, floor, results),
        "sign-in": lambda: sign_ins_under_load(bench, app, seeded, results),
        "cost": lambda: cost_rows(bench, app, results),
        "scale": lambda: scale_probe(bench, app, seeded, results),
    }
    for phase, step in steps.items():
        if phase == "sign-in":
            await bench.processes.stop(floor)  # the phases from here on need only the app
        if phase in wanted:
            await timed(results, phase, step())


async def timed(results: Results, phase: str, work: Awaitable[T]) -> T:
    """Awaits `work` and records how long it took, for the README's account of the bench's duration."""
    started = time.monotonic()
    try:
        return await work
    finally:
        results.phase_seconds[phase] = time.monotonic() - started


def raise_open_files_limit() -> None:
    """wrk at 1000 connections, and the server accepting them, need more descriptors than a default 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


async def cancellable(work: Callable[[], Awaitable[Results]]) -> Results:
    """SIGTERM and SIGINT cancel the run, so every `finally` (processes, databases) still runs."""
    task = asyncio.ensure_future(work())
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    return await task


def names(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """An argparse type: a comma-separated subset of `allowed`, kept in `allowed`'s order."""

    def parse(text: str) -> tuple[str, ...]:
        given = {name.strip() for name in text.split(",") if name.strip()}
        unknown = given - set(allowed)
        if unknown or not given:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)} (got {text!r})")
        return tuple(name for name in allowed if name in given)

    return parse


def parse_args(argv: list[str]) -> Config:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=Config.seconds, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=Config.rounds, help="interleaved rounds app/floor")
    parser.add_argument("--output", type=Path, default=Config.output, help="where to write the markdown report")
    parser.add_argument(
        "--phases", type=names(PHASES), default=PHASES, help=f"a subset of {','.join(PHASES)} (to try one out)"
    )
    parser.add_argument(
        "--workloads", type=names(ORDER), default=ORDER, help=f"a subset of {','.join(ORDER)} (to try one out)"
    )
    parser.add_argument(
        "--ping-idle-seconds",
        type=float,
        default=None,
        help="DB_PING_IDLE_SECONDS for every app started (default: the app's own)",
    )
    arguments = parser.parse_args(argv)
    return Config(
        seconds=arguments.seconds,
        rounds=arguments.rounds,
        output=arguments.output,
        phases=arguments.phases,
        workloads=arguments.workloads,
        ping_idle_seconds=arguments.ping_idle_seconds,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse_args(sys.argv[1:] if argv is None else argv)
    raise_open_files_limit()
    started = time.monotonic()
    try:
        results = asyncio.run(cancellable(lambda: bench_all(config)))
    except (HarnessError, asyncpg.PostgresError, OSError) as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except asyncio.CancelledError:
        print("bench interrupted; its servers and databases were removed", file=sys.stderr)
        return 130
    results.facts["bench duration"] = f"{time.monotonic() - started:.0f} s"
    results.facts["by phase"] = ", ".join(
        f"{phase} {seconds:.0f} s" for phase, seconds in results.phase_seconds.items()
    )
    report = render(results)
    config.output.write_text(report)
    print(report)
    log(f"wrote {config.output.relative_to(REPO) if config.output.is_relative_to(REPO) else config.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
