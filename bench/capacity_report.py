"""The report's "Capacity arithmetic": bench/capacity.py's plan for each workload, from this run's measured costs."""

from bench.capacity import (
    POOLER_CLIENTS,
    RATES,
    REPLICA_CORES,
    ROUND_TRIP_MS,
    UTILISATION,
    PerRequest,
    one_core_rps,
    plan,
)
from bench.figures import (
    APP,
    ORDER,
    TIMES,
    Results,
    counted_per_request,
    cpu_ms_per_request,
    number,
    per_request,
    served_name,
    table,
)
from bench.load import Run


def app_runs(results: Results, workload: str) -> list[Run]:
    return [run for run in results.main if run.workload == workload and run.target == APP]


def measured(results: Results, workload: str) -> PerRequest | None:
    """The workload's costs per request; the app's CPU is the larger of the 1-worker app's and the served
    configuration's with several workers (supervisor included), when both ran."""
    apps = app_runs(results, workload)
    many = [r for r in results.workers if r.workload == workload and r.target == served_name(results.workers_count)]
    cpu = [ms for ms in (cpu_ms_per_request(runs, lambda r: r.server_cpu_s) for runs in (apps, many)) if ms]
    if not cpu:
        return None
    return PerRequest(
        app_cpu_ms=max(cpu),
        pg_cpu_ms=cpu_ms_per_request(apps, lambda r: r.pg_cpu_s),
        transactions=per_request(apps, lambda r: r.transactions.count),
        busy_ms=per_request(apps, lambda r: r.transactions.busy_ms),
    )


def workloads_measured(results: Results) -> list[tuple[str, PerRequest]]:
    """Mixed first: it is the one to plan with; the others show which route costs what."""
    found = [(name, measured(results, name)) for name in ("mixed", *(n for n in ORDER if n != "mixed"))]
    return [(name, costs) for name, costs in found if costs is not None]


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def inputs_table(results: Results, found: list[tuple[str, PerRequest]]) -> str:
    rows = []
    for workload, costs in found:
        apps = app_runs(results, workload)
        rows.append(
            [
                workload,
                number(costs.app_cpu_ms, 2),
                number(one_core_rps(costs.app_cpu_ms)),
                number(costs.pg_cpu_ms, 2),
                number(ratio(costs.app_cpu_ms, costs.pg_cpu_ms), 1),
                counted_per_request(apps, lambda run: run.transactions.count),
                counted_per_request(apps, lambda run: run.transactions.busy_ms),
            ]
        )
    header = ["workload", "app CPU ms/req", "rps one app core serves", "PG CPU ms/req", "app cores per PG core"]
    header += ["DB xacts/req", "server-connection ms/req"]
    return table(header, rows)


def plan_table(results: Results, found: list[tuple[str, PerRequest]]) -> str:
    rows = []
    for workload, costs in found:
        for rate in RATES:
            done = plan(costs, rate, results.pool_size)
            rows.append(
                [
                    workload,
                    f"{rate:,}",
                    number(done.app_cores, 1),
                    done.replicas,
                    done.workers,
                    f"{done.client_connections:,}",
                    number(done.pg_cores, 1),
                    number(done.transactions_per_s),
                    number(done.server_connections, 1),
                    number(done.server_connections_remote, 1),
                    number(done.pool_size_needed),
                    number(done.pool_size_allowed),
                ]
            )
    header = ["workload", "rps", "app cores", f"replicas of {REPLICA_CORES} cores", "workers"]
    header += [f"client connections (workers {TIMES} {results.pool_size})", "PG cores", "DB xacts/s"]
    header += ["busy server connections", f"the same, {ROUND_TRIP_MS:g} ms round trip"]
    header += ["DB_POOL_SIZE needed per worker", "DB_POOL_SIZE allowed per worker"]
    return table(header, rows)


def capacity_arithmetic(results: Results) -> list[str]:
    """The section's parts: a heading, what the columns are, and the two tables (or a note that nothing ran)."""
    found = workloads_measured(results)
    percent = f"{UTILISATION:.0%}"
    parts = [
        "## Capacity arithmetic",
        "bench/capacity.py's arithmetic on the capacity inputs above, for docs/scaling.md. Per request: the app's "
        "CPU (the larger of the 1-worker app's and the served app's with "
        f"{results.workers_count} workers, when both ran), PostgreSQL's CPU, transactions, and the time a server "
        "connection was busy (pg_stat_database active_time + idle_in_transaction_time, per request: the part of "
        "what a transaction-mode pooler would hold a server connection for that the database itself spends; "
        "the network's share comes on top). "
        f"For a rate: app cores = rps {TIMES} app CPU ms ÷ 1000 ÷ {UTILISATION:g} (cores at most {percent} "
        f"busy); replicas of {REPLICA_CORES} cores with one worker per core; client connections = workers "
        f"{TIMES} DB_POOL_SIZE ({results.pool_size}); PG cores = rps {TIMES} PG CPU ms ÷ 1000 ÷ {UTILISATION:g}; "
        f"DB xacts/s = rps {TIMES} xacts/req; busy server connections = rps {TIMES} server-connection ms ÷ 1000 "
        f"÷ {UTILISATION:g} (Little's law, connections at most {percent} busy); the same with an assumed "
        f"{ROUND_TRIP_MS:g} ms more per transaction, the network round trip this loopback run does not have; "
        "DB_POOL_SIZE needed = those ÷ workers, rounded up; allowed = "
        f"{POOLER_CLIENTS:,} pooler clients ÷ workers. PostgreSQL shared the "
        "machine's cores with the app and wrk, "
        "so its figures are this machine's, not a dedicated server's.",
    ]
    if not found:
        return [*parts, "Not computed: no app run measured its CPU (the floor phase did not run)."]
    return [*parts, inputs_table(results, found), plan_table(results, found)]
