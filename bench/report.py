"""Turns the runs into tables and writes bench/results.md; bench/targets.py judges issue 17's targets."""

import statistics
from collections.abc import Sequence

from bench.capacity_report import capacity_arithmetic
from bench.figures import (
    APP,
    FLOOR,
    TIMES,
    Results,
    counted_per_request,
    floor_name,
    mean_ratio,
    mean_rps,
    number,
    pairs,
    per_request_ms,
    round_trips_per_request,
    served_name,
    socket_errors,
    statuses,
    sum_counts,
    table,
    transactions_per_request,
    workloads,
)
from bench.load import SLOW_MS, Run
from bench.targets import ISSUE, RPS_TARGET, Target, targets

SLOW = f"% > {SLOW_MS / 1000:g} s"


def floor_ratio(run: Run, runs: list[Run]) -> str:
    if run.target != APP:
        return ""
    for app, floor in pairs(runs, run.workload, APP, FLOOR):
        if app is run:
            return number(app.rps / floor.rps, 2) if floor.rps else "n/a"
    return ""


def summary_table(results: Results) -> str:
    rows = []
    for workload in workloads(results.main):
        matched = pairs(results.main, workload, APP, FLOOR)
        if not matched:
            continue
        apps, floors = [a for a, _ in matched], [f for _, f in matched]
        rows.append(
            [
                workload,
                number(mean_rps(apps)),
                number(mean_rps(floors)),
                number(mean_ratio(matched, lambda run: run.rps), 2),
                f"≥ {RPS_TARGET:.2f}",
                number(max(run.p50_ms for run in apps), 1),
                number(max(run.p99_ms for run in apps), 1),
                number(max(run.p99_ms for run in floors), 1),
                number(mean_ratio(matched, lambda run: run.p99_ms), 2),
                number(max(run.p999_ms for run in apps), 1),
                number(max(run.max_ms for run in apps), 1),
                number(max(run.slow_pct for run in apps), 3),
                statuses(sum_counts(run.non_2xx for run in apps)),
                sum(sum(run.socket_errors.values()) for run in apps),
                per_request_ms(apps, lambda run: run.server_cpu_s),
                per_request_ms(floors, lambda run: run.server_cpu_s),
                number(max(run.peak_rss_mb for run in apps), 1),
            ]
        )
    header = ["workload", "app rps", "floor rps", f"{TIMES}floor", "target", "app p50 ms", "app p99 ms", "floor p99 ms"]
    header += [f"p99 {TIMES}floor", "app p99.9 ms", "app max ms", f"app {SLOW}", "app non-2xx", "app socket errors"]
    header += ["app CPU ms/req", "floor CPU ms/req", "app peak RSS MB"]
    return table(header, rows)


def runs_table(runs: list[Run], *, with_floor_ratio: bool = False) -> str:
    header = ["workload", "target", "conns", "round", "rps"] + ([f"{TIMES}floor"] if with_floor_ratio else [])
    header += ["p50 ms", "p99 ms", "p99.9 ms", "max ms", SLOW, "non-2xx", "socket errors", "server CPU s"]
    header += ["PG CPU s", "DB trips/req", "DB xacts/req", "peak RSS MB", "group RSS MB", "idle before s"]
    header += ["conns opened"]
    rows = []
    for run in runs:
        row = [run.workload, run.target, run.connections, run.round, number(run.rps)]
        row += [floor_ratio(run, runs)] if with_floor_ratio else []
        row += [number(run.p50_ms, 1), number(run.p99_ms, 1), number(run.p999_ms, 1), number(run.max_ms, 1)]
        row += [number(run.slow_pct, 3), statuses(run.non_2xx), socket_errors(run), number(run.server_cpu_s, 2)]
        row += [number(run.pg_cpu_s, 2), round_trips_per_request([run]), transactions_per_request([run])]
        row += [number(run.peak_rss_mb, 1)]
        row += [number(run.group_rss_mb, 1), number(run.idle_before_s, 1), run.connections_opened]
        rows.append(row)
    return table(header, rows)


def scaling(results: Results, workload: str, one: str, many: str) -> tuple[list[Run], list[Run], float | None]:
    matched = pairs(results.workers, workload, one, many)
    return [a for a, _ in matched], [b for _, b in matched], mean_ratio([(b, a) for a, b in matched], lambda r: r.rps)


def workers_table(results: Results) -> str:
    n = results.workers_count
    rows = []
    for workload in workloads(results.workers):
        app_one, app_many, app_gain = scaling(results, workload, served_name(1), served_name(n))
        floor_one, floor_many, floor_gain = scaling(results, workload, floor_name(1), floor_name(n))
        at_one = mean_ratio(pairs(results.workers, workload, served_name(1), floor_name(1)), lambda run: run.rps)
        at_many = mean_ratio(pairs(results.workers, workload, served_name(n), floor_name(n)), lambda run: run.rps)
        rows.append(
            [
                workload,
                number(mean_rps(app_one)),
                number(mean_rps(app_many)),
                number(app_gain, 2),
                number(mean_rps(floor_one)),
                number(mean_rps(floor_many)),
                number(floor_gain, 2),
                number(at_one, 2),
                number(at_many, 2),
                number(max((run.p99_ms for run in app_many), default=None), 1),
                number(max((run.p99_ms for run in floor_many), default=None), 1),
                statuses(sum_counts(run.non_2xx for run in app_one + app_many)),
                sum(sum(run.socket_errors.values()) for run in app_one + app_many),
                number(max((run.group_rss_mb for run in app_many), default=None), 1),
                number(max((run.peak_rss_mb for run in app_many), default=None), 1),
            ]
        )
    header = ["workload", "app 1w rps", f"app {n}w rps", f"app {n}w ÷ 1w", "floor 1w rps", f"floor {n}w rps"]
    header += [f"floor {n}w ÷ 1w", "app ÷ floor, 1w", f"app ÷ floor, {n}w", f"app {n}w p99 ms"]
    header += [f"floor {n}w p99 ms", "app non-2xx", "app socket errors", f"app {n}w group RSS MB"]
    header += [f"app {n}w largest process MB"]
    return table(header, rows)


def capacity_table(results: Results) -> str:
    n = results.workers_count
    rows = []
    for workload in workloads(results.main + results.workers):
        apps = [run for run in results.main if run.workload == workload and run.target == APP]
        one = [run for run in results.workers if run.workload == workload and run.target == served_name(1)]
        many = [run for run in results.workers if run.workload == workload and run.target == served_name(n)]
        many_rps = mean_rps(many)
        rows.append(
            [
                workload,
                number(mean_rps(apps)),
                number(mean_rps(one)),
                number(many_rps / n if many_rps is not None else None),
                per_request_ms(apps, lambda run: run.server_cpu_s),
                per_request_ms(many, lambda run: run.server_cpu_s),
                per_request_ms(apps, lambda run: run.pg_cpu_s),
                round_trips_per_request(apps),
                round_trips_per_request(many),
                transactions_per_request(apps),
                transactions_per_request(many),
                counted_per_request(apps, lambda run: run.transactions.busy_ms),
                number(max((run.peak_rss_mb for run in apps), default=None), 1),
                number(max((run.group_rss_mb for run in many), default=None), 1),
            ]
        )
    header = ["workload", "app rps, 1 worker", "served rps, 1 worker", f"served rps per worker, {n} workers"]
    header += ["app CPU ms/req, 1 worker", f"served CPU ms/req, {n} workers (all processes)", "PG CPU ms/req"]
    header += ["DB round trips/req, 1 worker", f"DB round trips/req, {n} workers", "DB xacts/req, 1 worker"]
    header += [f"DB xacts/req, {n} workers", "server-connection ms/req, 1 worker", "peak RSS MB, 1 worker"]
    header += [f"peak RSS MB, {n} workers (sum)"]
    return table(header, rows)


def sign_in_table(results: Results) -> tuple[str, float | None]:
    quiet = [run for run in results.sign_in if run.target == APP]
    loaded = [run for run in results.sign_in if run.target != APP]
    rows = []
    for calm, busy, answers in zip(quiet, loaded, results.sign_in_answers, strict=False):
        done = sum(answers.values())
        rows.append(
            [
                calm.round,
                number(calm.rps),
                number(busy.rps),
                number(calm.p99_ms, 1),
                number(busy.p99_ms or None, 1),  # 0: every request timed out
                number(busy.p99_ms / calm.p99_ms, 2) if calm.p99_ms and busy.p99_ms else "n/a",
                ", ".join(f"{status}{TIMES}{count}" for status, count in sorted(answers.items())),
                number(done / results.sign_in_seconds, 1) if results.sign_in_seconds else "n/a",
                statuses(sum_counts([calm.non_2xx, busy.non_2xx])),
            ]
        )
    matched = zip(quiet, loaded, strict=False)
    # A p99 of 0 means wrk recorded no latency at all (every request timed out): no ratio to show.
    ratios = [busy.p99_ms / calm.p99_ms for calm, busy in matched if calm.p99_ms and busy.p99_ms]
    header = ["round", "get rps alone", "get rps with sign-ins", "get p99 ms alone", "get p99 ms with sign-ins"]
    header += ["p99 ratio", "sign-in answers", "sign-ins/s", "get non-2xx"]
    return table(header, rows), statistics.fmean(ratios) if ratios else None


def cost_table(results: Results) -> str:
    rows = []
    for variant, matched in results.cost.items():
        base, other = [b for b, _ in matched], [v for _, v in matched]
        rows.append(
            [
                variant,
                number(mean_rps(base)),
                number(mean_rps(other)),
                number(mean_ratio([(v, b) for b, v in matched], lambda run: run.rps), 3),
                number(max((run.p99_ms for run in base), default=None), 1),
                number(max((run.p99_ms for run in other), default=None), 1),
                per_request_ms(base, lambda run: run.server_cpu_s),
                per_request_ms(other, lambda run: run.server_cpu_s),
                round_trips_per_request(base),
                round_trips_per_request(other),
                statuses(sum_counts(run.non_2xx for run in other)),
            ]
        )
    header = ["variant (workload), 100 conns", "default rps", "variant rps", "variant ÷ default", "default p99 ms"]
    header += ["variant p99 ms", "default CPU ms/req", "variant CPU ms/req", "default DB trips/req"]
    header += ["variant DB trips/req", "variant non-2xx"]
    return table(header, rows)


def scale_table(results: Results) -> str:
    header = ["list of", "target", "conns", "rps", "p50 ms", "p99 ms", "non-2xx", "socket errors"]
    header += ["server CPU ms/req", "peak RSS MB", "conns opened"]
    rows = [
        [
            run.workload,
            run.target,
            run.connections,
            number(run.rps, 1),
            number(run.p50_ms, 1),
            number(run.p99_ms, 1),
            statuses(run.non_2xx),
            socket_errors(run),
            per_request_ms([run], lambda r: r.server_cpu_s),
            number(run.peak_rss_mb, 1),
            run.connections_opened,
        ]
        for run in results.scale
    ]
    return table(header, rows)


def targets_table(found: Sequence[Target]) -> str:
    return table(
        [f"target ({ISSUE})", "measured", "met"], [[t.name, t.measured, "yes" if t.met else "**no**"] for t in found]
    )


def render(results: Results) -> str:
    found = targets(results, results.connections, results.high_connections)
    sign_in, sign_in_ratio = sign_in_table(results)
    n = results.workers_count
    missed = [t.name for t in found if not t.met]
    verdict = f"{len(found) - len(missed)} of {len(found)} targets met." + (
        " Missed: " + "; ".join(missed) + "." if missed else ""
    )
    held = "; ".join(f"{name}: {count}" for name, count in results.held_after_warmup.items())
    parts = [
        "# Benchmark results",
        f"Written by `make bench` (bench/run.py) on {results.facts.get('date', '?')}. Absolute numbers are noise "
        "on a shared 2-core machine; read the ratios, which compare runs made seconds apart, interleaved app, "
        "floor, app, floor. bench/README.md explains every column.",
        "## Machine",
        table(["", ""], results.facts.items()),
        "## How it ran",
        table(["setting", "value"], results.settings.items()),
        "## Targets",
        verdict,
        targets_table(found),
        f"## App against the floor ({results.connections} connections)",
        f"Means over the rounds; {TIMES}floor is the mean of each round's app ÷ floor. CPU per request is the server "
        "process's (utime + stime), and PostgreSQL's for the app's database plus its background processes. "
        f"p99.9, max and {SLOW} (the share of the latency distribution over {SLOW_MS / 1000:g} s) are the worst "
        "run's.",
        summary_table(results),
        f"Connections each server held after warm-up: {held}.",
        f"## {' and '.join(str(c) for c in results.high_connections)} connections (app only)",
        runs_table(results.high),
        f"## Workers: 1 against {n} ({results.connections} connections)",
        f"The served configuration (`python -m app.serving`, what `make serve` runs) with WORKERS=1 and {n}, and the "
        f"floor with 1 and {n} uvicorn workers, each workload on the four in turn. {n}w ÷ 1w is how throughput "
        f"grows from 1 to {n} workers on this machine; app ÷ floor compares the served app with the floor at the "
        "same worker count. Group RSS is the sum over the supervisor and its workers at one moment; the largest "
        "process is the biggest worker.",
        workers_table(results),
        "## Capacity inputs",
        f'Per-request figures at {results.connections} connections, for docs/scaling.md. "app" is the 1-worker '
        f'app of the floor comparison (means over its rounds); "served" the workers phase. CPU ms/req is utime + '
        "stime per request completed (for the served app, every process of it); PG CPU is PostgreSQL's for the "
        "app's database plus its background processes. DB round trips/req counts the TCP data segments the "
        "server's processes sent to PostgreSQL (the kernel's count per socket). DB xacts/req is "
        "pg_stat_database's xact_commit + xact_rollback per request: a statement run outside BEGIN … COMMIT is one, "
        "a transaction of several is one too; ~ marks a count PostgreSQL may not have finished reporting. "
        "Server-connection ms/req is pg_stat_database's active_time + idle_in_transaction_time per request: how "
        "long a backend ran the request's statements or held its transaction open.",
        capacity_table(results),
        f"Connections held after warm-up: {held}.",
        *capacity_arithmetic(results),
        "## Sign-ins under load",
        f"The get workload alone, then with {results.settings.get('sign-in clients', '20')} clients signing in "
        "back to back (bcrypt, cost 12) during the whole run. Mean p99 ratio: "
        f"{number(sign_in_ratio, 2)} {TIMES}.",
        sign_in,
        "## Cost rows",
        "A default and a variant, interleaved: for a setting, the default app against a second app with it "
        "changed; for a header, the same app with the workload sent without and with it. Variant ÷ default below "
        "1 is what the feature costs in throughput.",
        cost_table(results),
        f"## Scale probe: one user's list among {results.scale_rows:,} tasks",
        scale_table(results),
        "## Every run",
        runs_table(
            results.main
            + results.workers
            + results.sign_in
            + [run for rows in results.cost.values() for pair in rows for run in pair],
            with_floor_ratio=True,
        ),
    ]
    return "\n\n".join(parts) + "\n"
