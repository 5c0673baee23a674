"""`make bench`: the app against a bare floor, side by side, on fresh PostgreSQL databases.

    .venv/bin/python -m bench [--seconds 5] [--rounds 2] [--output bench/results.md]

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

if __package__ in (None, ""):  # `python bench/run.py`: make the repository importable as `python -m bench` does
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.load import DATA_DIR, WORKLOADS, Run, Workload, ensure_wrk, measure, sign_in_storm, wrk_version
from bench.postgres import (
    Databases,
    admin_url,
    connect_admin,
    database_url,
    fill_for_scale,
    held_connections,
    server_facts,
    wait_for_room,
)
from bench.procs import REPO, WORK_DIR, HarnessError, Processes, Server, wait_until_ready
from bench.report import APP, FLOOR, Results, render
from bench.seed import PASSWORD, Account, OwnedTask, create_tasks, sign_up_many, write_lines

ORDER = ("list", "get", "create", "update", "toggle", "mixed")
VARIANTS = {
    "rate limit on": {"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_API": "1000000/minute"},
    "access log off": {"LOG_LEVEL": "WARNING"},
}
# Only a token lifetime longer than the default 15 minutes: seeded tokens must outlive a slow run.
TOKEN_MINUTES = "120"
SETTLE_SECONDS = 1.5


@dataclass(frozen=True)
class Config:
    seconds: float = 5.0
    warmup_seconds: float = 3.0
    rounds: int = 2
    connections: int = 100
    high_connections: tuple[int, ...] = (500, 1000)
    readers: int = 100
    tasks_per_reader: int = 50
    writers: int = 20
    sign_in_clients: int = 20
    scale_sizes: tuple[int, ...] = (10, 1_000, 10_000)
    scale_rows: int = 1_000_000
    scale_users: int = 10_000
    scale_connections: int = 4
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

    def app_env(self, database: str, **extra: str) -> dict[str, str]:
        url = database_url(self.admin_url, database)
        base = {"BETTER_AUTH_SECRET": self.secret, "DATABASE_URL": url, "RATE_LIMIT_ENABLED": "false"}
        return base | {"ACCESS_TOKEN_EXPIRE_MINUTES": TOKEN_MINUTES} | extra

    async def start_app(self, name: str, database: str, **extra: str) -> Server:
        server = self.processes.start(name, "app.main:app", database, self.app_env(database, **extra))
        await wait_until_ready(server, "/health/ready")
        return server

    async def start_floor(self, name: str, database: str) -> Server:
        env = {"BETTER_AUTH_SECRET": self.secret, "DATABASE_URL": database_url(self.admin_url, database)}
        server = self.processes.start(name, "bench.floor:app", database, env | {"DB_POOL_SIZE": str(self.pool_size)})
        await wait_until_ready(server, "/health")
        return server

    async def run(self, server: Server, workload: Workload, section: str, connections: int, round_number: int) -> Run:
        return await measure(
            self.wrk,
            self.admin,
            server,
            workload,
            section=section,
            connections=connections,
            seconds=self.config.seconds,
            round_number=round_number,
        )

    async def warm_up(self, server: Server, workload: str = "mixed", connections: int | None = None) -> None:
        """Fills the pool and the statement caches, so no run after it should open a connection."""
        await measure(
            self.wrk,
            self.admin,
            server,
            WORKLOADS[workload],
            section="warm-up",
            connections=connections or self.config.connections,
            seconds=self.config.warmup_seconds,
        )
        # PostgreSQL reports a busy backend's statistics (its session count among them) once it idles; waiting
        # here keeps the warm-up's connections out of the first measured run's count.
        await asyncio.sleep(SETTLE_SECONDS)


@dataclass(frozen=True)
class Seeded:
    readers: list[Account]
    writers: list[Account]
    probes: dict[int, Account]
    tasks: list[OwnedTask]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def app_pool_size() -> int:
    """The app's default pool size, so the floor holds as many connections; 20 if the setting moved."""
    try:
        from app.shared.settings import Settings

        return int(Settings.model_fields["db_pool_size"].default)
    except Exception:
        return 20


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
        for name in ORDER:
            for server in (app, floor):
                log(f"round {round_number}: {name} on {server.name}")
                run = await bench.run(server, WORKLOADS[name], "floor", bench.config.connections, round_number)
                results.main.append(run)


async def high_concurrency(bench: Bench, app: Server, results: Results) -> None:
    for connections in bench.config.high_connections:
        for name in ORDER:
            log(f"{connections} connections: {name} on app")
            results.high.append(await bench.run(app, WORKLOADS[name], "high", connections, 1))


async def sign_ins_under_load(bench: Bench, app: Server, seeded: Seeded, results: Results) -> None:
    """The get workload alone, then while sign-ins run back to back, alternating."""
    config = bench.config
    credentials = [{"email": account.email, "password": PASSWORD} for account in seeded.writers]
    lead = 1.0  # the storm starts first, so the bcrypt queue is full when wrk begins
    results.sign_in_seconds = config.seconds + lead
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
    """Each variant runs beside the default app on the same database; get on each, interleaved."""
    config = bench.config
    for variant, env in VARIANTS.items():
        log(f"cost row: {variant}")
        other = await bench.start_app(f"app, {variant}", app.database, **env)
        try:
            # Both, the variant last: the default app sat idle while the variant started, and a server idle for
            # longer than DB_PING_IDLE_SECONDS (10 s) replaces its pool connections at the next burst; that
            # belongs to a warm-up, not to a cost row. Each then idles about one run between its runs.
            for server in (app, other):
                await bench.warm_up(server, "get")
            runs = results.cost.setdefault(variant, [])
            for round_number in range(1, config.rounds + 1):
                for server in (app, other):
                    section = f"cost: {variant}"
                    runs.append(await bench.run(server, WORKLOADS["get"], section, config.connections, round_number))
        finally:
            await bench.processes.stop(other)


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
            await measure(bench.wrk, bench.admin, server, middle, section="warm-up", connections=2, seconds=1)
        for size, workload in probes.items():
            for server in (app, floor):
                log(f"scale probe: list of {size:,} on {server.name}")
                results.scale.append(await bench.run(server, workload, "scale", config.scale_connections, 1))
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
        "servers": "`uvicorn … --loop uvloop --http httptools --workers 1`, one at a time under load",
        "app": "defaults (access log on) + RATE_LIMIT_ENABLED=false, a random BETTER_AUTH_SECRET, "
        f"ACCESS_TOKEN_EXPIRE_MINUTES={TOKEN_MINUTES}",
        "floor": f"bench/floor.py, asyncpg pool of {bench.pool_size} (the app's DB_POOL_SIZE default)",
        "connections": str(config.connections),
        "run length": f"{config.seconds:g} s per run, warm-up {config.warmup_seconds:g} s, {config.rounds} rounds",
        "wrk": "2 threads, --timeout 5s, --latency",
        "data": f"{config.readers} readers x {config.tasks_per_reader} tasks, {config.writers} writers "
        "(creates go to writers, whom nobody lists, so lists stay at 50)",
        "mixed": "30% list, 30% get, 20% create, 10% update, 10% toggle",
        "sign-in clients": str(config.sign_in_clients),
        "scale probe": f"{config.scale_connections} connections, {config.scale_users:,} other users",
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
    bench = Bench(config, wrk, admin, url, processes, databases, pool_size=app_pool_size())
    try:
        results = Results(facts=await machine_facts(bench), settings=settings_facts(bench))
        await phases(bench, results)
        return results
    finally:
        await processes.stop_all()
        await databases.drop_all()
        await admin.close()


async def phases(bench: Bench, results: Results) -> None:
    app_db = await bench.databases.create("app")
    log(f"starting the app on {app_db}; it migrates itself")
    seeding = await bench.start_app("app (seeding)", app_db)
    log("seeding through the API (sign-ups are bcrypt at cost 12)")
    seeded = await seed(bench, seeding)
    await bench.processes.stop(seeding)
    # The floor starts from a copy of exactly what the app was seeded with: same users, sign-ins, tasks.
    floor_db = await bench.databases.create("floor", template=app_db)
    app = await bench.start_app(APP, app_db)
    floor = await bench.start_floor(FLOOR, floor_db)
    for server in (app, floor):
        log(f"warming up {server.name}")
        await bench.warm_up(server)
        results.held_after_warmup[server.name] = await held_connections(bench.admin, server.database)
    await against_the_floor(bench, app, floor, results)
    await bench.processes.stop(floor)
    await high_concurrency(bench, app, results)
    await sign_ins_under_load(bench, app, seeded, results)
    await cost_rows(bench, app, results)
    await scale_probe(bench, app, seeded, results)


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


def parse_args(argv: list[str]) -> Config:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=Config.seconds, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=Config.rounds, help="interleaved rounds app/floor")
    parser.add_argument("--output", type=Path, default=Config.output, help="where to write the markdown report")
    arguments = parser.parse_args(argv)
    return Config(seconds=arguments.seconds, rounds=arguments.rounds, output=arguments.output)


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
    report = render(results)
    config.output.write_text(report)
    print(report)
    log(f"wrote {config.output.relative_to(REPO) if config.output.is_relative_to(REPO) else config.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
