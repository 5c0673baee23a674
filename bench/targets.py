"""Issue 17's targets, judged from a bench run's results."""

from dataclasses import dataclass

from bench.figures import (
    APP,
    FLOOR,
    ORDER,
    TIMES,
    Results,
    mean_ratio,
    number,
    pairs,
    socket_errors,
    statuses,
    sum_counts,
)
from bench.load import Run

ISSUE = "issue 17"
RPS_TARGET = 0.5  # app rps at least this share of the floor's, on every workload at 100 connections
RPS_AIM = 0.6  # what issue 17 aims for beyond the target
P99_TARGET = 2.0  # app p99 at most this many times the floor's
RSS_TARGET_MB = 120.0  # one worker's peak resident memory …
RSS_CONNECTIONS = 1000  # … at this many connections


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool


def error_target(connections: int, runs: list[Run]) -> Target:
    """Met when every workload ran at `connections`, each completed requests, and none failed."""
    parts, met = [], True
    for workload in ORDER:
        mine = [run for run in runs if run.workload == workload]
        bad = sum_counts(run.non_2xx for run in mine)
        sockets = "; ".join(socket_errors(run) for run in mine if run.socket_errors)
        if not mine:
            parts.append(f"{workload}: not run")
        elif not all(run.requests for run in mine):
            parts.append(f"{workload}: no request completed")
        elif bad or sockets:
            parts.append(f"{workload}: non-2xx {statuses(bad)}, socket errors {sockets or 0}")
        else:
            parts.append(f"{workload} 0")
            continue
        met = False
    name = f"{connections} connections, every workload: zero non-2xx, zero socket errors"
    return Target(name, "; ".join(parts), met)


def ratio_targets(results: Results) -> list[Target]:
    found = []
    for workload in ORDER:
        share = mean_ratio(pairs(results.main, workload, APP, FLOOR), lambda run: run.rps)
        name = f"{workload}: rps ≥ {RPS_TARGET:.2f} {TIMES} floor (aim {RPS_AIM:.2f})"
        aim = "" if share is None else (", aim met" if share >= RPS_AIM else ", aim not met")
        found.append(Target(name, f"{number(share, 2)} {TIMES}{aim}", share is not None and share >= RPS_TARGET))
    for workload in ORDER:
        p99 = mean_ratio(pairs(results.main, workload, APP, FLOOR), lambda run: run.p99_ms)
        name = f"{workload}: p99 ≤ {P99_TARGET:g} {TIMES} floor p99"
        found.append(Target(name, f"{number(p99, 2)} {TIMES}", p99 is not None and p99 <= P99_TARGET))
    return found


def connections_target(results: Results) -> Target:
    judged = results.app_runs()
    opened = sum(run.connections_opened for run in judged)
    idle = results.ping_idle_seconds
    after_idle = sum(
        run.connections_opened for run in judged if run.idle_before_s is not None and run.idle_before_s >= idle
    )
    measured = f"{opened} opened during {len(judged)} app runs (pg_stat_database.sessions)"
    if opened:
        measured += (
            f"; {after_idle} of them in runs that began after ≥ {idle:g} s idle, when the app pings each "
            "pooled connection before use and replaces one whose ping fails or is late (DB_PING_IDLE_SECONDS)"
        )
    return Target("no connection opened after warm-up", measured, bool(judged) and opened == 0)


def rss_target(results: Results) -> Target:
    runs = [run for run in results.high if run.connections == RSS_CONNECTIONS]
    peak = max((run.peak_rss_mb for run in runs), default=None)
    name = f"one worker's peak RSS ≤ {RSS_TARGET_MB:g} MB at {RSS_CONNECTIONS} connections"
    measured = f"{number(peak, 1)} MB over {len(runs)} runs"
    return Target(name, measured, peak is not None and peak <= RSS_TARGET_MB)


def targets(results: Results, connections: int, high_connections: tuple[int, ...]) -> list[Target]:
    found = [error_target(connections, [run for run in results.main if run.target == APP])]
    for count in high_connections:
        found.append(error_target(count, [run for run in results.high if run.connections == count]))
    return [*found, *ratio_targets(results), connections_target(results), rss_target(results)]
